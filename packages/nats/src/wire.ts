/**
 * The wire of forkrpc over NATS: which subjects carry what, and the small helpers both
 * sides share. forkrpc's own messages (protocol v2 of `@forkrpc/core`) travel as JSON in
 * the message body; everything the transport adds is in NATS's own fields (the subject,
 * the reply subject, the 503 status of "no responders"), so a message costs no header.
 *
 * - `<subject>`: requests (`q`), taken by one instance of the queue group; the reply
 *   subject is the call's own subject in the caller's inbox, `<inbox>.<token>`.
 * - `<subject>.notify`: notifications, heard by every instance.
 * - `<inbox>.<token>`: everything about one call, instance to caller (`r`, `e`, `y`,
 *   `ki`, `d`, `ev`, and the empty acknowledgement). Each message's reply subject is the
 *   instance's own subject: where the caller sends the call's later messages.
 * - `<inbox>._hb`: heartbeats, empty, from every instance that runs calls of this caller;
 *   the reply subject says which instance.
 * - `<instance>`: the instance's own subject (an inbox of its connection, new after each
 *   reconnect), for a running call's later messages from its caller (`c`, `k`, `yi`); the
 *   reply subject, `<inbox>.<token>`, says which call.
 */
import { debuglog } from 'node:util'

/** Logs with `NODE_DEBUG=forkrpc` (or `FORKRPC_DEBUG=1`), as core does. */
const log = debuglog('forkrpc')
const forced = process.env.FORKRPC_DEBUG === '1'

/** Logs a transport event (`NODE_DEBUG=forkrpc`). */
export function debug(format: string, ...args: unknown[]): void {
  if (forced) console.error(`FORKRPC ${process.pid}: nats: ${format}`, ...args)
  else log(`nats: ${format}`, ...args)
}

/**
 * The last token of a caller's inbox subjects that carries heartbeats. Call tokens are
 * base-36 numbers, which never contain `_`.
 */
export const HEARTBEAT_TOKEN = '_hb'

/** The subject that carries a contract's notifications to every instance. */
export function notifySubject(subject: string): string {
  return `${subject}.notify`
}

/**
 * The room a message needs besides what core measures: the serving side puts the caller's
 * call id in place of its own shorter one. `maxMessageBytes` is set this far under the
 * server's `max_payload`.
 */
export const ID_ROOM = 64

/** Messages that end a call on the serving side: its route can go. */
const TERMINAL = new Set(['r', 'e', 'd'])

/** True for a message after which nothing more is sent about its call (`r`, `e`, `d`). */
export function isTerminal(type: unknown): boolean {
  return TERMINAL.has(type as string)
}

const decoder = new TextDecoder()

/** Reads a message body as JSON; undefined for a body that is not an object. */
export function readBody(data: Uint8Array): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(decoder.decode(data))
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined
  } catch {
    return undefined
  }
}

/** A checked whole number of milliseconds (or bytes) option, at least `min`. */
export function checkPositive(value: unknown, name: string, fallback: number, min = 1): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || Number.isNaN(value) || value < min) throw new TypeError(`${name} must be a number >= ${min}, got ${String(value)}`)
  return value
}

/**
 * A checked limit (a count of messages, of bytes): a whole, finite number >= 0. A limit
 * cannot be turned off: every buffer has a bound.
 */
export function checkLimit(value: unknown, name: string, fallback: number): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) throw new TypeError(`${name} must be a whole, finite number >= 0, got ${String(value)}`)
  return value
}

/**
 * The longest delay Node's timers take (about 24.8 days); a longer one, `Infinity` included,
 * would fire after 1 ms.
 */
export const MAX_TIMER_MS = 2_147_483_647

/**
 * A checked period (a heartbeat, a heartbeat timeout): a finite number of ms >= `min`, since
 * a period of `Infinity` would mean never and is not what either option is for.
 */
export function checkPeriod(value: unknown, name: string, fallback: number, min = 1): number {
  const period = checkPositive(value, name, fallback, min)
  if (period > MAX_TIMER_MS) throw new TypeError(`${name} must be a finite number of ms (at most ${MAX_TIMER_MS}), got ${String(value)}`)
  return period
}

/** A checked subject (or queue name): a non-empty string without spaces or wildcards. */
export function checkSubject(value: unknown, name: string): string {
  if (typeof value !== 'string' || !/^[^\s*>]+$/.test(value) || value.startsWith('.') || value.endsWith('.') || value.includes('..')) {
    throw new TypeError(`${name} must be a NATS subject without wildcards (such as "math.v1"), got ${JSON.stringify(value)}`)
  }
  return value
}

/** Resolves once `promise` settles or `ms` have passed: true when it settled in time. */
export async function within(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), Math.min(ms, MAX_TIMER_MS))
  })
  try {
    return await Promise.race([promise.then(() => true as const), timeout])
  } finally {
    clearTimeout(timer)
  }
}
