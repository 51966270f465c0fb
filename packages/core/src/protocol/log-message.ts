/**
 * One debug line per protocol message crossing a channel, when debugging is on
 * (`NODE_DEBUG=forkrpc` or `FORKRPC_DEBUG=1`).
 */
import { format } from 'node:util'
import { debug } from '../base/debug.js'
import { MessageType } from './messages.js'

/** The name of each message type in the log, by its letters: `request`, `result-credit`, ... */
const names: ReadonlyMap<string, string> = new Map(Object.entries(MessageType).map(([name, letters]) => [letters, name.replace(/(?<!^)([A-Z])/g, '-$1').toLowerCase()]))

/**
 * Logs one protocol message crossing a channel: `send` or `receive`, the peer (`worker
 * <pid>` in the parent, `parent <pid>` in the worker), its type, call id and procedure. Call
 * it only when `debugEnabled`.
 */
export function logMessage(direction: 'send' | 'receive', peer: string, message: unknown): void {
  if (typeof message !== 'object' || message === null || !Object.hasOwn(message, '$fr')) return
  const { t, i, m, n, r, ms } = message as Partial<Record<string, unknown>>
  const kind = typeof t === 'string' && names.has(t) ? names.get(t) : `unknown type ${format('%o', t)}`
  const call = typeof i === 'string' ? ` call ${i.length > 40 ? `${i.slice(0, 40)}…` : i}` : ''
  const name = typeof m === 'string' ? ` "${m.slice(0, 60)}"` : typeof n === 'string' ? ` "${n.slice(0, 60)}"` : ''
  const why = t === MessageType.Cancel ? (r === 't' ? ` (timed out after ${String(ms)} ms)` : ' (aborted)') : ''
  debug('%s %s %s%s%s%s', direction === 'send' ? 'to' : 'from', peer, kind, call, name, why)
}
