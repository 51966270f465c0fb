/**
 * The worker's entry point: `serve(contract, handlers)` answers the parent's calls over
 * the process's IPC channel until the parent disconnects, then exits.
 */
import type { Channel } from './channel.js'
import type { Contract } from './contract.js'
import { debug } from './debug.js'
import { AbortError, ChannelClosedError } from './errors.js'
import { createRouter, type Handlers } from './router.js'
import { messagePortChannel, spawnedThreadPort } from './thread-channel.js'

/** How long handlers still running when the parent disconnects get to finish. */
const SHUTDOWN_BOUND_MS = 1_000

let serving = false

/**
 * Serves the contract's procedures to the parent process, or to the parent thread when
 * the module runs in a thread started by `spawnThread()`. Call it once, at the top level
 * of the worker module. When the parent disconnects (it closed the worker, or it died),
 * running handlers see their `ctx.signal` abort, get up to a second to finish, and the
 * process exits with code 0, so no worker outlives its parent.
 *
 * @example
 * ```ts
 * // math.worker.ts
 * import { serve } from '@forkrpc/core'
 * import { math } from './math.contract.js'
 * serve(math, {
 *   add: ({ a, b }) => a + b,
 *   async slow(ms, { signal }) { await setTimeout(ms, undefined, { signal }); return 'done' },
 * })
 * ```
 */
export function serve<C extends Contract>(contract: C, handlers: Handlers<C>): void {
  // In a thread started by spawnThread(), the same handlers answer over the thread's port.
  const port = spawnedThreadPort()
  if (port !== undefined) {
    if (serving) throw new Error('serve() was already called in this thread; a worker serves one contract')
    serving = true
    createRouter(contract, handlers, messagePortChannel(port))
    return
  }
  const send = process.send?.bind(process)
  if (send === undefined || !process.connected) {
    throw new Error(
      'serve() found no IPC channel: this module must run as a worker started by fork(contract, module) or spawnThread(contract, module) ' +
        "from @forkrpc/core, or by spawn() with an 'ipc' entry in stdio and connect(contract, child).",
    )
  }
  if (serving) throw new Error('serve() was already called in this process; a worker serves one contract')
  serving = true
  let closeListener: ((reason: (procedure: string | undefined) => Error) => void) | undefined
  const channel: Channel = {
    serialization: 'json', // the parent's handshake tells the router the real mode
    send: (message) => {
      send(message)
    },
    receive: (listener) => {
      process.on('message', listener)
      return () => process.off('message', listener)
    },
    onClose: (listener) => {
      closeListener = listener
    },
  }
  // A send after the parent is gone is reported here (asynchronously) instead of throwing.
  process.on('error', (error) => debug('IPC error: %o', error))
  const router = createRouter(contract, handlers, channel)
  process.once('disconnect', () => {
    debug('the parent disconnected; %d handler(s) running', router.inFlight)
    closeListener?.((procedure) => new ChannelClosedError(procedure, 'The parent disconnected'))
    router.abortAll(new AbortError(undefined, 'The worker is shutting down: the parent disconnected'))
    const exit = (): never => process.exit(0)
    setTimeout(exit, SHUTDOWN_BOUND_MS).unref()
    void router.drained().then(exit)
  })
}
