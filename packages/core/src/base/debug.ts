/**
 * Debug logging, off by default. Set `NODE_DEBUG=forkrpc` (Node's own `util.debuglog`
 * convention) or `FORKRPC_DEBUG=1` to log every protocol event to stderr, on both sides
 * (the child inherits the environment): each message sent and received with the worker's
 * pid and the call id, timeouts, cancellations, dropped messages and exits. When off,
 * `debugEnabled` is false, the callers skip the logging entirely, and `debug` is a no-op.
 * A worker denied the environment (Deno without `--allow-env`) reads both as unset.
 */
import { debuglog, format } from 'node:util'

/** Whether debug logging is on (decided once, at load). */
export const debugEnabled: boolean = readsAsSet(() => Boolean(process.env.FORKRPC_DEBUG) || debuglog('forkrpc').enabled)

/** Logs one line, prefixed with `FORKRPC <pid>:`, when debugging is enabled. */
export const debug: (message: string, ...args: unknown[]) => void = debugEnabled
  ? (message, ...args) => {
      process.stderr.write(`FORKRPC ${process.pid}: ${format(message, ...args)}\n`)
    }
  : () => {}

/** Reading the environment throws where it is denied (Deno without `--allow-env`): unset then. */
function readsAsSet(read: () => boolean): boolean {
  try {
    return read()
  } catch {
    return false
  }
}
