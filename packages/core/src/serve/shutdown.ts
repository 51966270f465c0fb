/**
 * The worker's shutdown, for a process or a thread: no new calls, running handlers aborted
 * and awaited, the hooks in order, then `process.exit()` (which ends just the thread in a
 * thread), with code 1 if a hook threw, a handler was left running, or all this outlived its
 * bound. Handlers are awaited for the bound less a share kept for the hooks (half of it, at
 * most `HOOK_RESERVE_MS`): a handler that ignores its signal must not cost the hooks their
 * turn, for they are the app's cleanup (temporary files, locks, connections).
 */
import { inspect } from 'node:util'
import { debug } from '../base/debug.js'
import { MAX_TIMER_MS, waitAtMost } from '../base/timeouts.js'
import { AbortError } from '../errors/call-errors.js'
import type { HandlerSide } from '../rpc/handler-side.js'
import type { ShutdownCause, ShutdownHook } from './serve-options.js'

/** The most of a shutdown's bound kept for the hooks, in ms (half of it when it is shorter). */
const HOOK_RESERVE_MS = 1_000

/** Shuts the worker down and exits. `beforeExit` runs last (the writes still queued are flushed). */
export async function shutDown(handlers: HandlerSide, hooks: readonly ShutdownHook[], cause: ShutdownCause, bound: number, beforeExit: () => void | Promise<void>): Promise<void> {
  debug('shutting down (%s) with %d handler(s) running', cause, handlers.size)
  if (bound <= MAX_TIMER_MS && bound !== Infinity) {
    setTimeout(() => {
      const what = handlers.size > 0 ? `${handlers.size} handler(s) still running` : 'an onShutdown hook still running'
      process.stderr.write(`forkrpc: the worker's shutdown (${cause}) did not finish within ${bound} ms (${what}); exiting with code 1\n`)
      process.exit(1)
    }, bound)
  }
  handlers.refuse('The worker is shutting down')
  handlers.abortAll((procedure) => new AbortError(`The worker is shutting down (${describe(cause)}); call "${procedure}" was aborted`, { procedure }))
  let code = 0
  if (!(await handlersSettled(handlers, bound))) {
    code = 1
    process.stderr.write(`forkrpc: the worker's shutdown (${cause}): ${handlers.size} handler(s) still running after their share of ${bound} ms; running the hooks anyway, then exiting with code 1\n`)
  }
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

/** Whether the running handlers settled within their share of `bound`. */
async function handlersSettled(handlers: HandlerSide, bound: number): Promise<boolean> {
  await waitAtMost(handlers.drained(), bound - Math.min(bound / 2, HOOK_RESERVE_MS))
  return handlers.size === 0
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
