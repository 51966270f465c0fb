/**
 * What can cross the IPC channel: one walk over a value tells plain JSON data (sent as it
 * is) from data that needs superjson (Date, Map, BigInt, ...) and from what nothing can
 * carry (functions, symbols, promises, WeakMaps, cycles), naming where the culprit is.
 *
 * Plain JSON data, the common case, takes a faster walk first ({@link plainBound}) that also
 * bounds the value's encoded size, so that one walk both checks it and measures it for
 * `maxMessageBytes`; anything it cannot vouch for goes through the full walk ({@link classify}).
 */
import { serialize } from 'node:v8'
import { SerializationError } from '../errors/call-errors.js'
import { NUMBER_BYTES } from '../protocol/limits.js'
import { MAX_BIGINT_DIGITS } from './envelope.js'

/** JSON carries the value exactly. */
export const PLAIN = 0
/** The value needs superjson. */
export const SPECIAL = 1

/** Thrown by the walk: what cannot be encoded, and where. */
export class UnencodableValue {
  constructor(
    readonly description: string,
    readonly path: string[],
  ) {}
}

/**
 * Returns PLAIN when JSON would carry `value` exactly, SPECIAL when it needs superjson,
 * and throws UnencodableValue for what neither can carry.
 */
export function classify(value: unknown, ancestors: object[]): number {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return PLAIN
    case 'number':
      return Number.isFinite(value) && !Object.is(value, -0) ? PLAIN : SPECIAL
    case 'bigint':
      if (value > SMALL_BIGINT || value < -SMALL_BIGINT) checkBigInt(value)
      return SPECIAL
    case 'undefined':
      return SPECIAL
    case 'function':
    case 'symbol':
      throw unencodablePrimitive(value) as UnencodableValue
  }
  if (value === null) return PLAIN
  const object = value as object
  if (ancestors.includes(object)) throw new UnencodableValue('a circular reference', [])
  const proto: unknown = Object.getPrototypeOf(object)
  let result = PLAIN
  // Where the walk is, for the path of an UnencodableValue: one try per object rather than
  // one per child keeps the hot loops below cheap (this walk runs on every payload).
  let at: unknown
  ancestors.push(object)
  try {
    if (Array.isArray(object)) {
      // A hole reads as undefined, so a sparse array goes through superjson, which keeps it.
      for (let i = 0; i < object.length; i++) {
        const entry: unknown = object[i]
        // Primitives are handled inline: this is the hot loop.
        if (typeof entry === 'string' || typeof entry === 'boolean' || entry === null) continue
        at = i
        result |= classify(entry, ancestors)
      }
    } else if (proto === Object.prototype || proto === null) {
      const record = object as Record<string, unknown>
      const keys = Object.keys(record)
      for (let i = 0; i < keys.length; i++) {
        const entry = record[keys[i] as string]
        if (typeof entry === 'string' || typeof entry === 'boolean' || entry === null) continue
        at = keys[i]
        result |= classify(entry, ancestors)
      }
    } else if (object instanceof Map) {
      for (const [key, entry] of object) {
        at = '<map key>'
        classify(key, ancestors)
        at = typeof key === 'object' && key !== null ? '<map value>' : key // String() throws on a null-prototype key
        classify(entry, ancestors)
      }
      result = SPECIAL
    } else if (object instanceof Set) {
      at = '<set entry>'
      for (const entry of object) classify(entry, ancestors)
      result = SPECIAL
    } else if (object instanceof Date || object instanceof RegExp || object instanceof Error || ArrayBuffer.isView(object) || object instanceof URL) {
      result = SPECIAL
    } else if (typeof (object as { then?: unknown }).then === 'function') {
      throw new UnencodableValue('a promise (await it before sending)', [])
    } else if (object instanceof WeakMap || object instanceof WeakSet || object instanceof WeakRef) {
      // JSON would send it as {}, silently empty; the v8 serializer refuses it too.
      throw new UnencodableValue(`a ${object.constructor.name} (its entries cannot be read)`, [])
    } else if (typeof (object as { toJSON?: unknown }).toJSON === 'function') {
      // It says how it wants to be sent (a Decimal, a Moment): JSON will call toJSON().
      result = PLAIN
    } else {
      // An instance of some other class travels as its own enumerable properties, as
      // JSON.stringify would send it; its class is not kept.
      const record = object as Record<string, unknown>
      for (const key of Object.keys(record)) {
        at = key
        classify(record[key], ancestors)
      }
      result = SPECIAL
    }
  } catch (error) {
    if (error instanceof UnencodableValue && at !== undefined) error.path.unshift(String(at))
    throw error
  } finally {
    ancestors.pop()
  }
  return result
}

/** How deep the fast walk goes before it leaves the value to the full walk (which finds cycles). */
const PLAIN_DEPTH = 200

/**
 * An upper bound of the JSON text of `value` (6 bytes per UTF-16 unit of a string or key,
 * NUMBER_BYTES per number, and the punctuation) when `value` is plain JSON data that JSON
 * carries exactly (strings, finite numbers but -0, booleans, null, arrays without holes and
 * plain objects of those, none with a toJSON()); -1 for anything else, or when it cannot
 * tell (nested deeper than PLAIN_DEPTH): the full walk decides then. Allocates nothing: keys
 * by `for...in` (on a polluted Object.prototype that walks inherited ones too, which can only
 * count more, as a bound may).
 */
export function plainBound(value: unknown): number {
  switch (typeof value) {
    case 'string':
      return 6 * value.length + 2
    case 'boolean':
      return 5
    case 'number':
      return Number.isFinite(value) && !Object.is(value, -0) ? NUMBER_BYTES : -1
    case 'object':
      return value === null ? 4 : objectBound(value, 0)
  }
  return -1
}

function objectBound(value: object, depth: number): number {
  // JSON.stringify sends what a toJSON() returns, which may be anything.
  if (depth > PLAIN_DEPTH || typeof (value as { toJSON?: unknown }).toJSON === 'function') return -1
  let total = 2
  if (Array.isArray(value)) {
    const array = value as unknown[]
    for (let i = 0; i < array.length; i++) {
      const entry = array[i]
      // Each case adds the entry and its comma.
      switch (typeof entry) {
        case 'string':
          total += 6 * entry.length + 3
          continue
        case 'boolean':
          total += 6
          continue
        case 'number':
          if (!Number.isFinite(entry) || Object.is(entry, -0)) return -1
          total += NUMBER_BYTES + 1
          continue
        case 'object': {
          if (entry === null) {
            total += 5
            continue
          }
          const bytes = objectBound(entry, depth + 1)
          if (bytes < 0) return -1
          total += bytes + 1
          continue
        }
      }
      return -1 // a hole, undefined, a BigInt, a function, a symbol
    }
    return total
  }
  const proto: unknown = Object.getPrototypeOf(value)
  if (proto !== Object.prototype && proto !== null) return -1
  const record = value as Record<string, unknown>
  for (const key in record) {
    const entry = record[key]
    total += 6 * key.length + 4
    switch (typeof entry) {
      case 'string':
        total += 6 * entry.length + 2
        continue
      case 'boolean':
        total += 5
        continue
      case 'number':
        if (!Number.isFinite(entry) || Object.is(entry, -0)) return -1
        total += NUMBER_BYTES
        continue
      case 'object': {
        if (entry === null) {
          total += 4
          continue
        }
        const bytes = objectBound(entry, depth + 1)
        if (bytes < 0) return -1
        total += bytes
        continue
      }
    }
    return -1
  }
  return total
}

/** BigInts below this need no look at their size. */
const SMALL_BIGINT = 2n ** 64n

/**
 * Refuses a BigInt the receiver would refuse (envelope.ts): its size is estimated from its
 * hexadecimal digits, which cost one linear pass, where decimal ones cost more per digit.
 */
function checkBigInt(value: bigint): void {
  const decimalDigits = value.toString(16).length * Math.log10(16)
  if (decimalDigits > MAX_BIGINT_DIGITS - 2) throw new UnencodableValue(`a BigInt of about ${Math.round(decimalDigits)} digits (at most ${MAX_BIGINT_DIGITS} travel)`, [])
}

/** The SerializationError for a failed encoding of `procedure`'s `role` ("input", "result", ...). */
export function unencodable(error: unknown, procedure: string | undefined, role: string): SerializationError {
  const what = procedure === undefined ? `the ${role}` : `the ${role} of "${procedure}"`
  if (error instanceof UnencodableValue) {
    const where = error.path.length ? ` at ${error.path.join('.')}` : ''
    return new SerializationError(`Cannot send ${what}: it contains ${error.description}${where}, which cannot cross the IPC channel`, { procedure })
  }
  if (error instanceof RangeError) {
    return new SerializationError(`Cannot send ${what}: it is nested too deeply to encode`, { cause: error, procedure })
  }
  return new SerializationError(`Cannot send ${what}: ${error instanceof Error ? error.message : String(error)}`, { cause: error, procedure })
}

/** True when `value` can be sent on the json channel (and so on any channel). */
export function isEncodable(value: unknown): boolean {
  try {
    classify(value, [])
    return true
  } catch {
    return false
  }
}

/**
 * Wraps an error thrown by a channel's `send()` (structured clone on `advanced`) as a
 * SerializationError; given the value that was sent, it names where the culprit is.
 * Looked for only after a failure, so successful sends pay nothing for it.
 */
export function sendFailure(error: unknown, procedure: string | undefined, role: string, value?: unknown): SerializationError {
  let culprit: UnencodableValue | undefined
  try {
    culprit = findUncloneable(value, new Set())
  } catch {
    // Nested too deeply for the walk too (the serializer overflowed on it first): its error says so.
  }
  return unencodable(culprit ?? error, procedure, role)
}

/**
 * Throws the SerializationError of {@link sendFailure} when the structured clone of the
 * `advanced` channel would refuse `value`. For what has no call to fail (an event, a
 * notification): a batching channel refuses a message only when it writes it, after
 * `send()` has returned, so without this it would be dropped unseen.
 */
export function checkCloneable(value: unknown, role: string): void {
  try {
    serialize(value)
  } catch (error) {
    throw sendFailure(error, undefined, role, value)
  }
}

/** The first function or symbol inside `value` (which may have cycles), with its path. */
function findUncloneable(value: unknown, seen: Set<object>): UnencodableValue | undefined {
  const primitive = unencodablePrimitive(value)
  if (primitive !== undefined) return primitive
  if (typeof value !== 'object' || value === null || seen.has(value)) return undefined
  seen.add(value)
  const entries: Iterable<[unknown, unknown]> =
    value instanceof Map ? value : value instanceof Set ? [...value].map((entry, i): [unknown, unknown] => [i, entry]) : Object.entries(value)
  for (const [key, entry] of entries) {
    const found = findUncloneable(entry, seen)
    if (found !== undefined) {
      found.path.unshift(typeof key === 'object' && key !== null ? '<map value>' : String(key))
      return found
    }
  }
  return undefined
}

/** A function or a symbol, which no channel can carry, described; undefined for anything else. */
export function unencodablePrimitive(value: unknown): UnencodableValue | undefined {
  if (typeof value === 'function') return new UnencodableValue(`a function (${(value as { name?: string }).name || 'anonymous'})`, [])
  if (typeof value === 'symbol') return new UnencodableValue(`a symbol (${String(value)})`, [])
  return undefined
}
