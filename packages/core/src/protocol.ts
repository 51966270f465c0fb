/**
 * The wire protocol: a small, closed set of messages, kept terse because every byte is
 * JSON-encoded on each call. Every forkrpc message has the `$fr` key holding the protocol
 * version; any other message on the channel is someone else's and is left alone.
 *
 * | t     | direction      | meaning                                                        |
 * |-------|----------------|----------------------------------------------------------------|
 * | `h`   | child → parent | ready: `n` the served procedure names (the fingerprint)        |
 * | `hq`  | parent → child | asks for `h` again (the first one may have gone unheard);      |
 * |       |                | `n` the procedure names the parent expects                     |
 * | `ha`  | parent → child | handshake accepted: `s` the channel's serialization mode,      |
 * |       |                | `l` optional memory limits (`h` heap used, `r` RSS, in bytes)  |
 * | `q`   | parent → child | request `i` for procedure `m`, input in `v` / `x`; for a stream, `w` the credit window |
 * | `r`   | child → parent | result of request `i` in `v` / `x`                             |
 * | `e`   | child → parent | request `i` failed: the marshalled error in `v` / `x`          |
 * | `c`   | parent → child | cancel request `i`: `r` is `a` (aborted) or `t` (timed out, `ms`) |
 * | `d`   | child → parent | the handler of cancelled request `i` has settled (slot free)   |
 * | `s`   | parent → child | shut down: stop taking calls, run the shutdown hooks, exit     |
 * | `o`   | child → parent | over a memory limit of `ha`: `h` heap used, `r` RSS (bytes)    |
 * | `y`   | either way     | chunks of stream `i`: an array in `v` / `x`; `f` no more follow |
 * | `k`   | either way     | credit: the consumer took `n` more chunks of stream `i`        |
 * | `ev`  | child → parent | event `n`, payload in `v` / `x`; `i` the call that emitted it  |
 * | `nt`  | parent → child | notification `n`, payload in `v` / `x` (fire and forget)      |
 * | `b`   | both           | batch: `m` the messages written in one go, in order (coalescing-sender.ts) |
 *
 * A stream is a request (`q` with `w`) answered by up to `w` unacknowledged chunks (`y`) and
 * ended by `r` (done, no payload) or `e` (failed); the parent sends `k` as its consumer
 * takes chunks and `c` when it stops early. An input stream is the same the other way: a
 * request with `u` (the child's credit window), chunks from the parent (`y`, the last with
 * `f`), credit from the child (`k`), and the ordinary reply. Two-way calls (the contract's `host`) are `q`,
 * `r`, `e` and `c` in the other direction.
 */
import type { PayloadFields, Serialization } from './codec.js'

/**
 * The protocol version; both sides must speak the same.
 *
 * @example
 * ```ts
 * channel.send({ $fr: PROTOCOL_VERSION, t: 'q', i: 'id-1', m: 'add', v: { a: 1, b: 2 } })
 * ```
 */
export const PROTOCOL_VERSION = 1

/** A child's ready message. */
export interface ReadyMessage {
  $fr: number
  t: 'h'
  n: string[]
}
/** The parent's request to repeat the ready message. */
export interface ReadyQueryMessage {
  $fr: number
  t: 'hq'
  /** The procedure names the parent expects (informational; a child may announce them). */
  n?: string[]
}
/** Memory limits the parent asks the child to watch, in bytes. */
export interface MemoryLimits {
  /** Heap used (`process.memoryUsage().heapUsed`). */
  h?: number
  /** Resident set size. */
  r?: number
}
/** The parent's acceptance of the handshake. */
export interface ReadyAckMessage {
  $fr: number
  t: 'ha'
  s: Serialization
  l?: MemoryLimits
}
/** A call. */
export interface RequestMessage extends PayloadFields {
  $fr: number
  t: 'q'
  i: string
  m: string
  /** For a stream: how many chunks the child may send before it hears `k`. */
  w?: number
  /** For an input stream: how many chunks the parent may send before it hears `k`. */
  u?: number
}
/** A call's result or error. */
export interface ReplyMessage extends PayloadFields {
  $fr: number
  t: 'r' | 'e'
  i: string
}
/** A cancellation. */
export interface CancelMessage {
  $fr: number
  t: 'c'
  i: string
  r: 'a' | 't'
  ms?: number
}

/** Several messages written in one go; `m` holds forkrpc messages only, never another batch. */
export interface BatchMessage {
  $fr: number
  t: 'b'
  m: unknown[]
}

/** The handler of a cancelled call has settled. */
export interface DoneMessage {
  $fr: number
  t: 'd'
  i: string
}
/** The parent asks the child to shut down. */
export interface ShutdownMessage {
  $fr: number
  t: 's'
}
/** The child went over a memory limit. */
export interface OverLimitMessage {
  $fr: number
  t: 'o'
  h: number
  r: number
}
/** Chunks of a stream (an array in the payload). */
export interface ChunkMessage extends PayloadFields {
  $fr: number
  t: 'y'
  i: string
  /** No more chunks follow (input streams; a child's stream ends with `r` / `e`). */
  f?: boolean
}
/** Credit for a stream: the consumer took `n` more chunks. */
export interface CreditMessage {
  $fr: number
  t: 'k'
  i: string
  n: number
}
/** An event emitted by a handler. */
export interface EventMessage extends PayloadFields {
  $fr: number
  t: 'ev'
  /** The event's name. */
  n: string
  /** The id of the call whose handler emitted it. */
  i?: string
}
/** A notification from the parent. */
export interface NotificationMessage extends PayloadFields {
  $fr: number
  t: 'nt'
  /** The notification's name. */
  n: string
}

/** Every forkrpc message. */
export type ProtocolMessage =
  | ReadyMessage
  | ReadyQueryMessage
  | ReadyAckMessage
  | RequestMessage
  | ReplyMessage
  | CancelMessage
  | DoneMessage
  | ShutdownMessage
  | OverLimitMessage
  | ChunkMessage
  | CreditMessage
  | EventMessage
  | NotificationMessage
  | BatchMessage

/**
 * Classifies a received message: `undefined` for one that is not forkrpc's (to be left
 * alone), `false` for a forkrpc message that is malformed or of another protocol version
 * (to be dropped), or the message itself.
 */
export function readMessage(message: unknown): ProtocolMessage | false | undefined {
  if (typeof message !== 'object' || message === null || !Object.hasOwn(message, '$fr')) return undefined
  const candidate = message as Partial<Record<string, unknown>>
  if (candidate.$fr !== PROTOCOL_VERSION || typeof candidate.t !== 'string') return false
  switch (candidate.t) {
    case 'q':
      return typeof candidate.i === 'string' &&
        typeof candidate.m === 'string' &&
        (candidate.w === undefined || isCount(candidate.w)) &&
        (candidate.u === undefined || isCount(candidate.u))
        ? (message as RequestMessage)
        : false
    case 'y':
      return typeof candidate.i === 'string' && (candidate.f === undefined || typeof candidate.f === 'boolean') ? (message as ChunkMessage) : false
    case 'k':
      return typeof candidate.i === 'string' && isCount(candidate.n) ? (message as CreditMessage) : false
    case 'ev':
      return typeof candidate.n === 'string' && (candidate.i === undefined || typeof candidate.i === 'string') ? (message as EventMessage) : false
    case 'nt':
      return typeof candidate.n === 'string' ? (message as NotificationMessage) : false
    case 'r':
    case 'e':
      return typeof candidate.i === 'string' ? (message as ReplyMessage) : false
    case 'c':
      return typeof candidate.i === 'string' ? (message as CancelMessage) : false
    case 'd':
      return typeof candidate.i === 'string' ? (message as DoneMessage) : false
    case 's':
      return message as ShutdownMessage
    case 'o':
      return typeof candidate.h === 'number' && typeof candidate.r === 'number' ? (message as OverLimitMessage) : false
    case 'h':
      return Array.isArray(candidate.n) && candidate.n.every((name) => typeof name === 'string') ? (message as ReadyMessage) : false
    case 'b':
      return Array.isArray(candidate.m) ? (message as BatchMessage) : false
    case 'hq':
      return message as ReadyQueryMessage
    case 'ha':
      return (candidate.s === 'json' || candidate.s === 'advanced') && (candidate.l === undefined || isMemoryLimits(candidate.l)) ? (message as ReadyAckMessage) : false
    default:
      return false
  }
}

function isMemoryLimits(value: unknown): value is MemoryLimits {
  if (typeof value !== 'object' || value === null) return false
  const { h, r } = value as Record<string, unknown>
  return (h === undefined || (typeof h === 'number' && h > 0)) && (r === undefined || (typeof r === 'number' && r > 0))
}

/** A whole number of chunks, at least 1, small enough to add without losing precision. */
function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 1
}
