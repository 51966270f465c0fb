/**
 * Debug logging, off by default. Set `FORKRPC_DEBUG=1` (or `NODE_DEBUG=forkrpc`, Node's
 * own `util.debuglog` convention) to log dropped and malformed messages and lifecycle
 * events to stderr. When off, `debug` is a no-op and its arguments are not formatted.
 */
import { debuglog, format } from 'node:util'

const nodeDebug = debuglog('forkrpc')
const enabled = Boolean(process.env.FORKRPC_DEBUG) || nodeDebug.enabled

/**
 * Logs one line, prefixed with `FORKRPC <pid>:`, when debugging is enabled.
 *
 * @example
 * ```ts
 * debug('dropped a malformed message %o', message)
 * ```
 */
export const debug: (message: string, ...args: unknown[]) => void = enabled
  ? (message, ...args) => {
      process.stderr.write(`FORKRPC ${process.pid}: ${format(message, ...args)}\n`)
    }
  : () => {}
