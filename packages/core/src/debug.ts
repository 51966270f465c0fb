/**
 * Debug logging, off by default. Set `NODE_DEBUG=forkrpc` (Node's own `util.debuglog`
 * convention) or `FORKRPC_DEBUG=1` to log every protocol event to stderr, on both sides
 * (the child inherits the environment): each message sent and received with the worker's
 * pid and the call id, timeouts, cancellations, dropped messages and exits. When off,
 * `debugEnabled` is false, the callers skip the logging entirely, and `debug` is a no-op.
 */
import { debuglog, format } from 'node:util'

/**
 * Whether debug logging is on (decided once, at load).
 *
 * @example
 * ```ts
 * if (debugEnabled) logMessage('send', child.pid, message)
 * ```
 */
export const debugEnabled: boolean = Boolean(process.env.FORKRPC_DEBUG) || debuglog('forkrpc').enabled

/**
 * Logs one line, prefixed with `FORKRPC <pid>:`, when debugging is enabled.
 *
 * @example
 * ```ts
 * debug('dropped a malformed message %o', message)
 * ```
 */
export const debug: (message: string, ...args: unknown[]) => void = debugEnabled
  ? (message, ...args) => {
      process.stderr.write(`FORKRPC ${process.pid}: ${format(message, ...args)}\n`)
    }
  : () => {}

const KINDS: Readonly<Record<string, string>> = { h: 'ready', hq: 'ready?', ha: 'ready-ack', q: 'request', r: 'result', e: 'error', c: 'cancel' }

/**
 * Logs one protocol message crossing a channel: `send` or `receive`, the peer (`worker
 * <pid>` in the parent, `parent <pid>` in the child), its kind, call id and procedure.
 * Call it only when `debugEnabled`.
 *
 * @example
 * ```ts
 * if (debugEnabled) logMessage('send', `worker ${child.pid}`, message)
 * ```
 */
export function logMessage(direction: 'send' | 'receive', peer: string, message: unknown): void {
  if (typeof message !== 'object' || message === null || !Object.hasOwn(message, '$fr')) return
  const { t, i, m, r, ms } = message as Partial<Record<string, unknown>>
  const kind = typeof t === 'string' && Object.hasOwn(KINDS, t) ? KINDS[t] : `unknown kind ${format('%o', t)}`
  const call = typeof i === 'string' ? ` call ${i.length > 40 ? `${i.slice(0, 40)}…` : i}` : ''
  const procedure = typeof m === 'string' ? ` "${m.slice(0, 60)}"` : ''
  const why = t === 'c' ? (r === 't' ? ` (timed out after ${String(ms)} ms)` : ' (aborted)') : ''
  debug('%s %s %s%s%s%s', direction === 'send' ? 'to' : 'from', peer, kind, call, procedure, why)
}
