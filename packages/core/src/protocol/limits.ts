/**
 * Limits that keep a misbehaving peer or caller from growing memory without bound:
 * `maxMessageBytes` (the encoded size of one message) and `maxPending` (calls waiting for a
 * reply).
 *
 * Measuring a message's exact size means serializing it, which Node does anyway on
 * `send()`, so doing it first would double the cost of every call. Instead one cheap walk
 * (no string building; on `advanced`, past a thousand objects, a Set of those seen, as shared
 * references are written once) computes an upper bound of the encoded size; only
 * when that bound exceeds the limit is the message serialized to measure it exactly. The
 * bound counts a JSON string's worst case (6 bytes per character), so with typical JSON that
 * happens above about a quarter of the limit (10-20 MB at the default): one serialization
 * more per side, as costly as Node's own (docs/serialization-and-limits.md gives the figures). A
 * tighter walk (scanning strings for characters to escape) was measured: it costs as much as
 * `JSON.stringify`, so it would save nothing over the exact pass.
 */
import { serialize } from 'node:v8'
import type { Serialization } from './payload.js'

/**
 * The largest credit window accepted, in a stream's options and on the wire (a request's `w`
 * and `u`, a credit message's grant): more would defeat flow control.
 *
 * @example
 * ```ts
 * stream<void, number>({ credit: MAX_STREAM_CREDIT })
 * ```
 */
export const MAX_STREAM_CREDIT = 65_536

/**
 * Default `maxMessageBytes`: 64 MiB. Far above any call a normal app makes (a 64 MiB JSON
 * message takes around a second to cross the channel), and far below what exhausts memory.
 *
 * @example
 * ```ts
 * await fork(contract, './worker.js', { maxMessageBytes: DEFAULT_MAX_MESSAGE_BYTES * 2 })
 * ```
 */
export const DEFAULT_MAX_MESSAGE_BYTES = 64 * 1024 * 1024

/**
 * Default `maxPending`: 100,000 calls waiting at once on one side of a channel. A batch
 * that large is better sent in chunks or as one call carrying an array.
 *
 * @example
 * ```ts
 * await fork(contract, './worker.js', { maxPending: DEFAULT_MAX_PENDING * 10 })
 * ```
 */
export const DEFAULT_MAX_PENDING = 100_000

/**
 * The limits every peer takes (`fork()`, `spawnThread()`, `connect()`, `serve()`, pools, the
 * channel API and the test pair): they apply to every kind of message, in both directions.
 *
 * @remarks
 * Limits that keep a misbehaving peer from growing memory without bound, taken by every side
 * (`fork`, `spawnThread`, `connect`, `serve`, `createPool`, the channel API, the test pair, NATS).
 *
 * @example
 * ```ts
 * const limits: MessageLimitOptions = { maxMessageBytes: 1024 * 1024, maxPending: 1_000 }
 * ```
 */
export interface MessageLimitOptions {
  /**
   * The largest message, in encoded bytes, that this side sends or accepts: a call's input,
   * result or error, a stream's chunks, an input stream's chunks, an event or a notification.
   * What is too large to send is refused with PayloadTooLargeError before anything is sent;
   * what is too large to accept is refused on arrival. Over a process's IPC channel, a message
   * still unfinished after twice as many bytes is not read further: the peer is dropped
   * (ProtocolError), as Node would otherwise buffer it whole. Default
   * `DEFAULT_MAX_MESSAGE_BYTES` (64 MiB); `Infinity` turns the check off.
   */
  maxMessageBytes?: number | undefined
  /**
   * How many calls may wait at once: calls this side made and awaits (calls, streams, input
   * streams, and cancelled calls whose handler has not settled), and, separately, calls it
   * runs for the other side; also the unread events an `events()` iterator may buffer. A
   * call beyond it is refused with TooManyPendingCallsError. Over a process's IPC channel it
   * also bounds the messages (answers, events, chunks; not this side's own requests) that wait
   * for a peer that does not read them: one more, and the peer is dropped (ProtocolError). Default
   * `DEFAULT_MAX_PENDING` (100,000); `Infinity` turns the check off.
   */
  maxPending?: number | undefined
}

/**
 * The most bytes JSON takes for a finite number: 17 significant digits, a sign, a point and
 * up to 5 leading zeros (`-0.0000012345678901234567`: 25), or an exponent
 * (`-1.2345678901234567e-300`: 24).
 */
export const NUMBER_BYTES = 25

/** How far below the stack limit the walk gives up and measures exactly. */
const MAX_DEPTH = 256

/**
 * On `advanced`, the objects a walk visits before it starts again counting each object once
 * (with a Set, which doubles the cost of a walk over a small message, so small ones go
 * without): structured clone may share an object many times over, and a walk that counted
 * each reference would take 2^40 steps over 40 nested pairs of the same array.
 */
const VISITS_BEFORE_SET = 1_024

/** Objects the current walk has visited (a walk calls no other). */
let visits = 0

/**
 * Measures a message against a size limit: its exact encoded size in bytes when that exceeds
 * the limit, undefined when it fits (or when it cannot be measured: then `send()` reports the
 * real problem). `payloadBytes`, when given, is an upper bound of the JSON text of the
 * message's payload (`v`) that the codec's walk found already: then only the other fields are
 * walked.
 */
export type SizeCheck = (message: object, payloadBytes?: number) => number | undefined

/**
 * Returns a function that, given a message about to be sent or just received, returns its
 * exact encoded size in bytes when that exceeds `max`, and undefined when it fits (or when
 * it cannot be measured: then `send()` reports the real problem).
 */
export function sizeChecker(serialization: Serialization, max: number): SizeCheck | undefined {
  if (max === Infinity) return undefined
  const json = serialization === 'json'
  return (message, payloadBytes) => {
    visits = 0
    let total = json && payloadBytes !== undefined ? boundBeside(message as Record<string, unknown>, payloadBytes, max) : bound(message, json, max, 0, undefined)
    if (visits > VISITS_BEFORE_SET) total = bound(message, json, max, 0, new Set())
    if (total <= max) return undefined
    let size: number
    try {
      // Exactly what Node writes: JSON and a newline, or the v8 serializer's output.
      size = json ? Buffer.byteLength(JSON.stringify(message)) + 1 : serialize(message).byteLength
    } catch {
      return undefined
    }
    return size > max ? size : undefined
  }
}

/** The JSON bound of a message (and its newline) whose payload `v` is known to take at most `payloadBytes`: the other fields are walked. */
function boundBeside(message: Record<string, unknown>, payloadBytes: number, budget: number): number {
  let total = 3
  for (const key in message) total += 6 * key.length + 4 + (key === 'v' ? payloadBytes : bound(message[key], true, budget, 1, undefined))
  return total
}

/**
 * An upper bound of `value`'s encoded size, or a number above `budget` as soon as the
 * running total passes it. Infinity for what the walk does not know: then the caller
 * measures exactly. On `advanced`, `seen` holds the objects counted already (the v8
 * serializer writes an object once and refers back to it after that); without it, the walk
 * gives up after VISITS_BEFORE_SET objects.
 */
function bound(value: unknown, json: boolean, budget: number, depth: number, seen: Set<object> | undefined): number {
  switch (typeof value) {
    case 'string':
      // JSON escapes a control character or a lone surrogate as \uXXXX (6 bytes for one
      // UTF-16 unit); v8 writes one or two bytes per unit.
      return json ? 6 * value.length + 2 : 2 * value.length + 10
    case 'number':
      return json ? NUMBER_BYTES : 24
    case 'boolean':
      return 5
    case 'undefined':
      return json ? 9 : 1
    case 'bigint':
      return json ? Infinity : 16 + value.toString(16).length
    case 'function':
    case 'symbol':
      return Infinity
  }
  if (value === null) return 4
  if (depth > MAX_DEPTH) return Infinity
  // JSON sends what a toJSON() returns (an array's own, or one on a polluted prototype), which may be anything.
  if (json && typeof (value as { toJSON?: unknown }).toJSON === 'function') return Infinity
  if (seen !== undefined) {
    if (seen.has(value as object)) return 8 // a back-reference: a tag and the object's id
    seen.add(value as object)
  } else if (!json && ++visits > VISITS_BEFORE_SET) return Infinity
  let total = 2
  if (Array.isArray(value)) {
    // Each entry takes a byte at least: an array longer than the budget is measured exactly
    // rather than walked (a sparse one of length 2^32 - 1 takes a few bytes on `advanced`,
    // and reading its holes one by one would block for seconds).
    if (value.length > budget) return Infinity
    for (let i = 0; i < value.length && total <= budget; i++) total += bound(value[i], json, budget - total, depth + 1, seen) + 1
    return total
  }
  const proto: unknown = Object.getPrototypeOf(value)
  if (proto === Object.prototype || proto === null) {
    // Enumerable string keys, own and (on a polluted Object.prototype) inherited: JSON and
    // the v8 serializer write only the own ones, so this may only count more, which a bound
    // may. for...in allocates nothing, where Object.keys makes an array per object: 40% less
    // time on this walk, which runs on every message both ways.
    const record = value as Record<string, unknown>
    for (const key in record) {
      if (total > budget) break
      total += 6 * key.length + 4 + bound(record[key], json, budget - total, depth + 1, seen)
    }
    return total
  }
  if (json) return Infinity // a class instance (it may have a toJSON()): measured exactly
  if (ArrayBuffer.isView(value)) return value.buffer.byteLength + 32 // v8 writes the whole underlying buffer
  if (value instanceof ArrayBuffer) return value.byteLength + 16
  if (value instanceof Date) return 16
  if (value instanceof RegExp) return 2 * value.source.length + 24
  if (value instanceof Error) {
    // v8 writes the message, the stack and the cause (not other properties).
    total += 64 + bound(value.message, false, budget, depth + 1, seen) + bound(value.stack, false, budget, depth + 1, seen)
    return total > budget || !Object.hasOwn(value, 'cause') ? total : total + bound(value.cause, false, budget - total, depth + 1, seen)
  }
  if (value instanceof Map || value instanceof Set) {
    for (const entry of value instanceof Map ? value : value.values()) {
      if (total > budget) break
      total += value instanceof Map ? bound((entry as [unknown, unknown])[0], false, budget - total, depth + 1, seen) + bound((entry as [unknown, unknown])[1], false, budget - total, depth + 1, seen) : bound(entry, false, budget - total, depth + 1, seen)
    }
    return total
  }
  return Infinity
}
