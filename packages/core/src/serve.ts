/**
 * The worker's entry point: `serve(contract, handlers)` answers the parent's calls over
 * the process's IPC channel, and shuts the worker down the same way whatever asks for it:
 * SIGTERM, the parent's shutdown message (which works where signals do not, as on
 * Windows), or the parent going away.
 */
import { inspect } from 'node:util'
import type { Channel, CloseReason } from './channel.js'
import { createCoalescingSender } from './coalescing-sender.js'
import { ipcEndpoint } from './ipc-endpoint.js'
import { checkTimeout, MAX_TIMER_MS, type Contract } from './contract.js'
import { debug } from './debug.js'
import { AbortError, ChannelClosedError } from './errors.js'
import type { MessageLimitOptions } from './limits.js'
import type { NotificationHandlers } from './notifications.js'
import { createRouter, type Handlers, type RouterCore } from './router.js'
import { messagePortChannel, spawnedThreadPort } from './thread-channel.js'
import { startWatchdog, type Watchdog } from './watchdog.js'

/** The default bound on a shutdown: handlers finishing after their signal aborted, then the hooks. */
const DEFAULT_SHUTDOWN_TIMEOUT_MS = 3_000
/**
 * The bound when the parent died: the orphan must be gone within a second of its parent
 * (the watchdog kills it a little later if this does not do it).
 */
const ORPHAN_SHUTDOWN_TIMEOUT_MS = 500

/**
 * Why a worker shuts down:
 * - `request`: the parent's `close()` (or `shutdownAll()`, or a pool) asked it to;
 * - `SIGTERM`: the process got SIGTERM;
 * - `disconnect`: the parent closed the IPC channel without asking first;
 * - `parent-died`: the parent process is gone.
 *
 * @example
 * ```ts
 * serve(contract, handlers, { onShutdown: (cause: ShutdownCause) => console.error('bye:', cause) })
 * ```
 */
export type ShutdownCause = 'request' | 'SIGTERM' | 'disconnect' | 'parent-died'

/**
 * A function `serve()` runs once, during the worker's shutdown, after the handlers have
 * settled: close a database, flush a file. If it throws, the worker exits with code 1.
 *
 * @example
 * ```ts
 * const closeDb: ShutdownHook = async () => { await db.close() }
 * ```
 */
export type ShutdownHook = (cause: ShutdownCause) => void | Promise<void>

/**
 * Options of {@link serve}.
 *
 * @example
 * ```ts
 * serve(contract, handlers, { onShutdown: () => db.close(), shutdownTimeout: 5_000, watchdog: true })
 * ```
 */
export interface ServeOptions<C extends Contract = Contract> extends MessageLimitOptions {
  /** Run during the shutdown, in order, after the handlers have settled. */
  onShutdown?: ShutdownHook | readonly ShutdownHook[]
  /**
   * Handlers of the contract's notifications (`worker.notify(name, payload)` in the parent).
   * Typed with `NotificationHandlers<typeof contract>`; a notification without a handler is dropped.
   */
  notifications?: NotificationHandlers<C>
  /**
   * How long, in milliseconds, handlers still running (their `ctx.signal` aborted) and then
   * the hooks have to finish before the worker exits anyway with code 1. Default 3,000.
   * When the parent died, the bound is 500 ms whatever this says.
   */
  shutdownTimeout?: number
  /**
   * Run the orphan watchdog: a small thread that kills this process within a second of the
   * parent dying, even while the main thread is stuck in a synchronous loop. It costs about
   * as much memory as one worker thread (see the README). Default true.
   */
  watchdog?: boolean
}

let serving = false

/**
 * Serves the contract's procedures to the parent process, or to the parent thread when
 * the module runs in a thread started by `spawnThread()`. Call it once, at the top level
 * of the worker module.
 *
 * The worker shuts down when the parent asks (`worker.close()`), on SIGTERM, or when the
 * parent goes away: it stops taking calls, aborts the `ctx.signal` of running handlers,
 * waits for them (at most `shutdownTimeout`), runs the `onShutdown` hooks, and exits 0.
 * SIGINT is left to the parent, which owns the worker's lifecycle: on Ctrl-C in a terminal
 * the parent gets SIGINT too, and either stops its workers in stages (`handleSignals()`)
 * or dies, and then its workers follow.
 *
 * @example
 * ```ts
 * // math.worker.ts
 * import { serve } from '@forkrpc/core'
 * import { math } from './math.contract.js'
 * serve(math, {
 *   add: ({ a, b }) => a + b,
 *   async slow(ms, { signal }) { await setTimeout(ms, undefined, { signal }); return 'done' },
 * }, { onShutdown: () => console.error('bye') })
 * ```
 */
export function serve<C extends Contract>(contract: C, handlers: Handlers<C>, options: ServeOptions<C> = {}): void {
  // In a thread started by spawnThread(), the same handlers answer over the thread's port.
  const port = spawnedThreadPort()
  if (port !== undefined) {
    if (serving) throw new Error('serve() was already called in this thread; a worker serves one contract')
    const threadHooks = checkServeOptions(options)
    serving = true
    // A thread has no signals and no orphans: it shuts down on the parent's request only
    // (close() sends it once calls in flight are done), the same way a process does.
    let stopping = false
    const threadRouter = createRouter(contract, handlers, messagePortChannel(port), {
      maxMessageBytes: options.maxMessageBytes,
      notifications: options.notifications,
      onShutdownRequest: () => {
        if (stopping) return
        stopping = true
        void shutDownRouter(threadRouter, threadHooks, 'request', options.shutdownTimeout ?? DEFAULT_SHUTDOWN_TIMEOUT_MS, () => undefined)
      },
    })
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
  const hooks = checkServeOptions(options)
  const shutdownTimeout = options.shutdownTimeout ?? DEFAULT_SHUTDOWN_TIMEOUT_MS
  serving = true

  let closeListener: ((reason: CloseReason) => void) | undefined
  // Messages written in one go travel as one batch (coalescing-sender.ts). The worker exits
  // only once every write is handed to the OS, because process.exit() right after a send
  // loses a large message.
  const sender = createCoalescingSender((message, written) => send(message, undefined, undefined, written))
  const channel: Channel = {
    serialization: 'json', // the parent's handshake tells the router the real mode
    ...ipcEndpoint(process, sender, () => `parent ${process.ppid}`),
    onClose: (listener) => {
      closeListener = listener
    },
  }
  // A send after the parent is gone is reported here (asynchronously) instead of throwing.
  process.on('error', (error) => debug('IPC error: %o', error))

  // Signal and disconnect handlers go in before the router announces readiness: the parent
  // may send SIGTERM the moment it hears it, and without a handler SIGTERM kills at once.
  const parentPid = process.ppid
  let shuttingDown = false
  let watchdog: Watchdog | undefined
  process.once('disconnect', () => {
    closeListener?.((procedure) => new ChannelClosedError(procedure, 'The parent disconnected'))
    void shutDown(process.ppid === parentPid ? 'disconnect' : 'parent-died')
  })
  process.on('SIGTERM', () => void shutDown('SIGTERM'))
  process.on('SIGINT', () => {
    if (process.connected) debug('SIGINT ignored: the parent decides when this worker stops')
    else void shutDown('disconnect')
  })
  const router = createRouter(contract, handlers, channel, { maxMessageBytes: options.maxMessageBytes, onShutdownRequest: () => void shutDown('request'), notifications: options.notifications })
  // Started after the ready message, so that it does not delay it.
  if (options.watchdog !== false) watchdog = startWatchdog()

  async function shutDown(cause: ShutdownCause): Promise<void> {
    if (shuttingDown) return
    shuttingDown = true
    await shutDownRouter(router, hooks, cause, cause === 'parent-died' ? ORPHAN_SHUTDOWN_TIMEOUT_MS : shutdownTimeout, async () => {
      watchdog?.stop()
      if (process.connected) await sender.flushed()
    })
  }
}

/**
 * The shutdown itself, for a process or a thread: no new calls, running handlers aborted and
 * awaited, the hooks in order, then `process.exit()` (which ends just the thread in a
 * thread), with code 1 if a hook threw or if all this outlived `bound` ms.
 */
async function shutDownRouter(router: RouterCore, hooks: readonly ShutdownHook[], cause: ShutdownCause, bound: number, beforeExit: () => void | Promise<void>): Promise<void> {
  debug('shutting down (%s) with %d handler(s) running', cause, router.inFlight)
  if (bound <= MAX_TIMER_MS && bound !== Infinity) {
    setTimeout(() => {
      const what = router.inFlight > 0 ? `${router.inFlight} handler(s) still running` : 'an onShutdown hook still running'
      process.stderr.write(`forkrpc: the worker's shutdown (${cause}) did not finish within ${bound} ms (${what}); exiting with code 1\n`)
      process.exit(1)
    }, bound)
  }
  router.refuse('The worker is shutting down')
  router.abortAll((procedure) => new AbortError(procedure, `The worker is shutting down (${describe(cause)}); call "${procedure}" was aborted`))
  await router.drained()
  let code = 0
  for (const hook of hooks) {
    try {
      await hook(cause)
    } catch (error) {
      code = 1
      process.stderr.write(`forkrpc: an onShutdown hook failed: ${inspect(error)}\n`)
    }
  }
  await beforeExit()
  process.exit(code)
}

function describe(cause: ShutdownCause): string {
  switch (cause) {
    case 'request':
      return 'the parent closed it'
    case 'SIGTERM':
      return 'SIGTERM'
    case 'disconnect':
      return 'the parent disconnected'
    case 'parent-died':
      return 'the parent process died'
  }
}

function checkServeOptions<C extends Contract>(options: ServeOptions<C>): readonly ShutdownHook[] {
  if (typeof options !== 'object' || options === null) throw new TypeError('serve(contract, handlers, options): options must be an object')
  checkTimeout(options.shutdownTimeout, 'serve({ shutdownTimeout })')
  if (options.watchdog !== undefined && typeof options.watchdog !== 'boolean') throw new TypeError('serve({ watchdog }): expected a boolean')
  const notifications: unknown = options.notifications
  if (notifications !== undefined) {
    if (typeof notifications !== 'object' || notifications === null) throw new TypeError('serve({ notifications }): expected an object of handlers')
    for (const [name, handler] of Object.entries(notifications)) {
      if (typeof handler !== 'function') throw new TypeError(`serve({ notifications }): the handler of "${name}" is not a function`)
    }
  }
  const hooks = options.onShutdown === undefined ? [] : Array.isArray(options.onShutdown) ? options.onShutdown : [options.onShutdown]
  for (const hook of hooks) {
    if (typeof hook !== 'function') throw new TypeError(`serve({ onShutdown }): expected a function or an array of functions, got ${typeof hook}`)
  }
  return hooks as readonly ShutdownHook[]
}
