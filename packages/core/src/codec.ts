/**
 * How payloads (call inputs, results, marshalled errors) travel on the IPC channel.
 *
 * On the default `json` channel Node JSON-encodes every message, which turns a Date into
 * a string, drops `undefined`, throws on BigInt and so on. forkrpc walks the value once:
 * plain JSON data (the common case) is sent as it is in the message's `v` field; anything
 * else that superjson can keep exact (Date, Map, Set, BigInt, RegExp, undefined, NaN,
 * Infinity, -0, Errors, typed arrays) goes through superjson into the `x` field. Values
 * that cannot be kept (functions, symbols, cycles) fail with a SerializationError naming
 * where they are.
 *
 * On the `advanced` channel Node uses the structured clone algorithm, so values go as
 * they are in `v`; what structured clone refuses (functions, symbols) throws when sent.
 */
import { SuperJSON } from 'superjson'
import { SerializationError } from './errors.js'

/**
 * forkrpc's own superjson instance (so that registrations of the app's do not change the
 * wire format), taught to carry Buffers, which superjson's typed-array support does not
 * recognise, as base64.
 */
const superjson = new SuperJSON()
superjson.registerCustom<Buffer, string>(
  { isApplicable: (value): value is Buffer => Buffer.isBuffer(value), serialize: (value) => value.toString('base64'), deserialize: (value) => Buffer.from(value, 'base64') },
  'forkrpc:Buffer',
)

/**
 * The two ways Node can serialize IPC messages (`child_process.fork`'s `serialization`).
 *
 * @example
 * ```ts
 * const serialization: Serialization = 'advanced' // Buffers and typed arrays, at a higher cost per message
 * ```
 */
export type Serialization = 'json' | 'advanced'

/** A message that carries a payload in `v` (as is) or `x` (superjson-encoded). */
export interface PayloadFields {
  v?: unknown
  x?: { json: unknown; meta?: unknown }
}

/** Encodes and decodes payloads for one kind of channel. */
export interface Codec {
  /**
   * Writes `value` into `message` (`v` or `x`). Throws SerializationError naming
   * `procedure` and `role` ("input", "result", ...).
   */
  encodeInto(message: PayloadFields, value: unknown, procedure: string | undefined, role: string): void
  /** Reads the payload back out of a received message. Throws SerializationError. */
  decode(message: PayloadFields, procedure: string | undefined, role: string): unknown
}

const PLAIN = 0
const SPECIAL = 1

class UnencodableValue {
  constructor(
    readonly description: string,
    readonly path: string[],
  ) {}
}

/**
 * Returns PLAIN when JSON would carry `value` exactly, SPECIAL when it needs superjson,
 * and throws UnencodableValue for what neither can carry.
 */
function classify(value: unknown, ancestors: object[]): number {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return PLAIN
    case 'number':
      return Number.isFinite(value) && !Object.is(value, -0) ? PLAIN : SPECIAL
    case 'bigint':
    case 'undefined':
      return SPECIAL
    case 'function':
      throw new UnencodableValue(`a function (${(value as { name?: string }).name || 'anonymous'})`, [])
    case 'symbol':
      throw new UnencodableValue(`a symbol (${String(value)})`, [])
  }
  if (value === null) return PLAIN
  const object = value as object
  if (ancestors.includes(object)) throw new UnencodableValue('a circular reference', [])
  const proto: unknown = Object.getPrototypeOf(object)
  let result = PLAIN
  ancestors.push(object)
  try {
    if (Array.isArray(object)) {
      // A hole in a sparse array arrives as null (as with JSON; superjson does the same).
      for (let i = 0; i < object.length; i++) result |= classifyChild(object[i], ancestors, i)
    } else if (proto === Object.prototype || proto === null) {
      const record = object as Record<string, unknown>
      for (const key in record) {
        if (Object.hasOwn(record, key)) result |= classifyChild(record[key], ancestors, key)
      }
    } else if (object instanceof Map) {
      for (const [key, entry] of object) {
        classifyChild(key, ancestors, '<map key>')
        classifyChild(entry, ancestors, String(key))
      }
      result = SPECIAL
    } else if (object instanceof Set) {
      for (const entry of object) classifyChild(entry, ancestors, '<set entry>')
      result = SPECIAL
    } else if (object instanceof Date || object instanceof RegExp || object instanceof Error || ArrayBuffer.isView(object) || object instanceof URL) {
      result = SPECIAL
    } else if (typeof (object as { then?: unknown }).then === 'function') {
      throw new UnencodableValue('a promise (await it before sending)', [])
    } else if (typeof (object as { toJSON?: unknown }).toJSON === 'function') {
      // It says how it wants to be sent (a Decimal, a Moment): JSON will call toJSON().
      result = PLAIN
    } else {
      // An instance of some other class travels as its own enumerable properties, as
      // JSON.stringify would send it; its class is not kept.
      const record = object as Record<string, unknown>
      for (const key of Object.keys(record)) result |= classifyChild(record[key], ancestors, key)
      result = SPECIAL
    }
  } finally {
    ancestors.pop()
  }
  return result
}

function classifyChild(value: unknown, ancestors: object[], key: string | number): number {
  // Primitives are handled inline: this is the hot loop.
  if (typeof value === 'string' || typeof value === 'boolean' || value === null) return PLAIN
  try {
    return classify(value, ancestors)
  } catch (error) {
    if (error instanceof UnencodableValue) error.path.unshift(String(key))
    throw error
  }
}

function unencodable(error: unknown, procedure: string | undefined, role: string): SerializationError {
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

/** The codec of the default `json` channel: plain JSON as is, the rest through superjson. */
export const jsonCodec: Codec = {
  encodeInto(message, value, procedure, role) {
    if (value === undefined) return
    let kind: number
    try {
      kind = classify(value, [])
    } catch (error) {
      throw unencodable(error, procedure, role)
    }
    if (kind === PLAIN) {
      message.v = value
      return
    }
    try {
      message.x = superjson.serialize(value) as PayloadFields['x']
    } catch (error) {
      throw unencodable(error, procedure, role)
    }
  },
  decode(message, procedure, role) {
    const encoded = message.x
    if (encoded === undefined) return message.v
    const what = procedure === undefined ? `the ${role}` : `the ${role} of "${procedure}"`
    if (typeof encoded !== 'object' || encoded === null) throw new SerializationError(`Cannot decode ${what}: the encoded payload is not an object`, { procedure })
    try {
      return superjson.deserialize(encoded as Parameters<typeof superjson.deserialize>[0])
    } catch (error) {
      throw new SerializationError(`Cannot decode ${what}: ${error instanceof Error ? error.message : String(error)}`, { cause: error, procedure })
    }
  },
}

/** The codec of the `advanced` channel: structured clone carries values as they are. */
export const advancedCodec: Codec = {
  encodeInto(message, value, procedure, role) {
    if (value === undefined) return
    // Structured clone throws for these only once send() runs; checking here gives the
    // same clear error as on the json channel, before anything is written.
    if (typeof value === 'function' || typeof value === 'symbol') throw unencodable(new UnencodableValue(typeof value === 'function' ? 'a function' : 'a symbol', []), procedure, role)
    message.v = value
  },
  decode(message) {
    return message.v
  },
}

/** The codec for a serialization mode. */
export function codecFor(serialization: Serialization): Codec {
  return serialization === 'advanced' ? advancedCodec : jsonCodec
}

/**
 * Wraps an error thrown by a channel's `send()` (structured clone on `advanced`) as a
 * SerializationError; given the value that was sent, it names where the culprit is.
 * Looked for only after a failure, so successful sends pay nothing for it.
 */
export function sendFailure(error: unknown, procedure: string | undefined, role: string, value?: unknown): SerializationError {
  return unencodable(findUncloneable(value, new Set()) ?? error, procedure, role)
}

/** The first function or symbol inside `value` (which may have cycles), with its path. */
function findUncloneable(value: unknown, seen: Set<object>): UnencodableValue | undefined {
  if (typeof value === 'function') return new UnencodableValue(`a function (${(value as { name?: string }).name || 'anonymous'})`, [])
  if (typeof value === 'symbol') return new UnencodableValue(`a symbol (${String(value)})`, [])
  if (typeof value !== 'object' || value === null || seen.has(value)) return undefined
  seen.add(value)
  const entries: Iterable<[unknown, unknown]> =
    value instanceof Map ? value : value instanceof Set ? [...value].map((entry, i): [unknown, unknown] => [i, entry]) : Object.entries(value)
  for (const [key, entry] of entries) {
    const found = findUncloneable(entry, seen)
    if (found !== undefined) {
      found.path.unshift(String(key))
      return found
    }
  }
  return undefined
}
