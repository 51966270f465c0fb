/**
 * How payloads (call inputs, results, marshalled errors) travel on the IPC channel.
 *
 * On the default `json` channel Node JSON-encodes every message, which turns a Date into
 * a string, drops `undefined`, throws on BigInt and so on. forkrpc walks the value once:
 * plain JSON data (the common case) is sent as it is in the message's `v` field; anything
 * else that superjson can keep exact (Date, Map, Set, BigInt, RegExp, undefined, NaN,
 * Infinity, -0, Buffers, typed arrays, sparse arrays) goes through superjson into the `x` field, and so do
 * Errors, marshalled the way thrown errors are (class, code, cause, properties). Values
 * that cannot be kept (functions, symbols, cycles) fail with a SerializationError naming
 * where they are.
 *
 * On the `advanced` channel Node uses the structured clone algorithm, so values go as
 * they are in `v`; what structured clone refuses (functions, symbols) throws when sent.
 */
import { SuperJSON, type SuperJSONResult } from 'superjson'
import { isWellFormedEnvelope } from './envelope.js'
import { classify, PLAIN, unencodable, unencodablePrimitive } from './encodable.js'
import { isError, marshalThrown, unmarshalThrown, type ErrorRegistry } from './error-marshalling.js'
import { SerializationError } from './errors.js'

type TypedArray = Exclude<NodeJS.TypedArray, Buffer> | DataView

/** The views the json codec carries as bytes, by constructor name. */
const typedArrays = new Map<string, new (buffer: ArrayBuffer) => TypedArray>(
  [Int8Array, Uint8Array, Uint8ClampedArray, Int16Array, Uint16Array, Int32Array, Uint32Array, Float32Array, Float64Array, BigInt64Array, BigUint64Array, DataView].map((View) => [View.name, View]),
)

/**
 * Drops superjson's record of shared references. forkrpc copies them, as JSON does for plain
 * data: superjson restores them by re-inserting into Maps and Sets, which reorders their
 * entries, and a peer's record of them is one more thing to trust. (Cycles never get here:
 * the walk refuses them first.)
 */
function withoutIdentities(result: SuperJSONResult): SuperJSONResult {
  if (result.meta?.referentialEqualities !== undefined) delete result.meta.referentialEqualities
  return result
}

function hasGuardedKey(value: unknown): boolean {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false
  const proto: unknown = Object.getPrototypeOf(value)
  if (proto !== Object.prototype && proto !== null) return false
  return Object.hasOwn(value, '__proto__') || Object.hasOwn(value, 'constructor') || Object.hasOwn(value, 'prototype')
}

function hasHoles(array: unknown[]): boolean {
  for (let i = 0; i < array.length; i++) if (!(i in array)) return true
  return false
}

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

/**
 * The codec for a channel: `json` (plain JSON as is, the rest through superjson) or
 * `advanced` (structured clone carries values as they are). `errors` decides which
 * classes Errors inside values come back as.
 *
 * @example
 * ```ts
 * const codec = createCodec('json', errorRegistry(contract.errors))
 * codec.encodeInto(message, { when: new Date() }, 'schedule', 'input')
 * ```
 */
export function createCodec(serialization: Serialization, errors: ErrorRegistry): Codec {
  return serialization === 'advanced' ? advancedCodec : jsonCodec(errors)
}

/** The codec of the `advanced` channel. */
const advancedCodec: Codec = {
  encodeInto(message, value, procedure, role) {
    if (value === undefined) return
    // Structured clone throws for these only once send() runs; checking here gives the
    // same clear error as on the json channel, before anything is written.
    const primitive = unencodablePrimitive(value)
    if (primitive !== undefined) throw unencodable(primitive, procedure, role)
    message.v = value
  },
  decode(message) {
    return message.v
  },
}

/** The codec of the `json` channel, with its own superjson instance. */
function jsonCodec(errors: ErrorRegistry): Codec {
  // forkrpc's own instance, so that the app's superjson registrations do not change the
  // wire format. It is taught Buffers (which superjson's typed-array support does not
  // know) and forkrpc's error marshalling.
  const superjson = new SuperJSON()
  superjson.registerCustom<Buffer, string>(
    { isApplicable: (value): value is Buffer => Buffer.isBuffer(value), serialize: (value) => value.toString('base64'), deserialize: (value) => Buffer.from(value, 'base64') },
    'forkrpc:Buffer',
  )
  // superjson sends typed arrays as arrays of numbers, which JSON cannot carry exactly
  // (NaN and -0 in a Float64Array, any BigInt64Array): their bytes go as base64 instead.
  superjson.registerCustom<TypedArray, { t: string; b: string }>(
    {
      isApplicable: (value): value is TypedArray => ArrayBuffer.isView(value) && !Buffer.isBuffer(value) && typedArrays.has(value.constructor.name),
      serialize: (view) => ({ t: view.constructor.name, b: Buffer.from(view.buffer, view.byteOffset, view.byteLength).toString('base64') }),
      deserialize: ({ t, b }) => {
        const View = typedArrays.get(t)
        if (View === undefined) throw new TypeError(`unknown typed array ${String(t)}`)
        const bytes = Buffer.from(b, 'base64')
        const buffer = new ArrayBuffer(bytes.byteLength) // a fresh, aligned buffer of its own
        new Uint8Array(buffer).set(bytes)
        return new View(buffer)
      },
    },
    'forkrpc:TypedArray',
  )
  // superjson leaves an Invalid Date to JSON, which makes it null.
  superjson.registerCustom<Date, null>(
    { isApplicable: (value): value is Date => value instanceof Date && Number.isNaN(value.getTime()), serialize: () => null, deserialize: () => new Date(Number.NaN) },
    'forkrpc:InvalidDate',
  )
  /** Writes a nested superjson string (inside a custom transformer's output). */
  function stringifyNested(value: unknown): string {
    return JSON.stringify(withoutIdentities(superjson.serialize(value)))
  }
  /** Reads a nested superjson string (from the other side: checked like the outer payload). */
  function parseNested(text: string): unknown {
    const encoded: unknown = JSON.parse(text)
    if (!isWellFormedEnvelope(encoded)) throw new TypeError('malformed nested payload')
    return superjson.deserialize(withoutIdentities(encoded as SuperJSONResult))
  }
  // superjson refuses to write an object with an own `__proto__`, `constructor` or
  // `prototype` key (JSON.parse makes such keys, and they are legitimate data): such an
  // object goes as its entries, and is rebuilt with defineProperty, which never calls the
  // `__proto__` setter.
  superjson.registerCustom<Record<string, unknown>, { o: string }>(
    {
      isApplicable: (value): value is Record<string, unknown> => hasGuardedKey(value),
      serialize: (record) => ({ o: stringifyNested(Object.entries(record)) }),
      deserialize: (encoded) => {
        const record: Record<string, unknown> = {}
        for (const [key, value] of parseNested(encoded.o) as Array<[string, unknown]>) {
          Object.defineProperty(record, String(key), { value, enumerable: true, writable: true, configurable: true })
        }
        return record
      },
    },
    'forkrpc:GuardedKeys',
  )
  // JSON turns a hole in a sparse array into null: such an array goes as its length and
  // its present entries (themselves encoded, as inside an Error).
  superjson.registerCustom<unknown[], { n: number; e: string }>(
    {
      isApplicable: (value): value is unknown[] => Array.isArray(value) && hasHoles(value),
      serialize: (array) => {
        const entries: Array<[number, unknown]> = []
        for (let i = 0; i < array.length; i++) if (i in array) entries.push([i, array[i]])
        return { n: array.length, e: stringifyNested(entries) }
      },
      deserialize: (encoded) => {
        const length = Number(encoded.n)
        const array: unknown[] = new Array(length)
        // Only indexes are written: from a hostile peer, a "__proto__" entry would be a setter call.
        for (const [i, value] of parseNested(encoded.e) as Array<[number, unknown]>) {
          if (Number.isInteger(i) && i >= 0 && i < length) array[i] = value
        }
        return array
      },
    },
    'forkrpc:SparseArray',
  )
  // Serialized as a nested superjson string, so that Dates and the like in an error's
  // properties survive. A string, not the nested result's objects: superjson walks what a
  // custom transformer returns and would "dedupe" the nested result's own metadata arrays,
  // which it then cannot restore.
  // (Wrapped in an object: superjson walks into the result of a custom transformer of an
  // object, and would take a bare string apart.)
  superjson.registerCustom<Error, { s: string }>(
    {
      isApplicable: (value): value is Error => isError(value),
      serialize: (error) => ({ s: stringifyNested(marshalThrown(error, errors)) }),
      deserialize: (encoded) => unmarshalThrown(parseNested(encoded.s), errors) as Error,
    },
    'forkrpc:Error',
  )

  return {
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
        message.x = withoutIdentities(superjson.serialize(value)) as PayloadFields['x']
      } catch (error) {
        throw unencodable(error, procedure, role)
      }
    },
    decode(message, procedure, role) {
      const encoded = message.x
      if (encoded === undefined) return message.v
      const what = procedure === undefined ? `the ${role}` : `the ${role} of "${procedure}"`
      if (!isWellFormedEnvelope(encoded)) throw new SerializationError(`Cannot decode ${what}: the encoded payload is malformed`, { procedure })
      try {
        return superjson.deserialize(withoutIdentities(encoded as SuperJSONResult))
      } catch (error) {
        throw new SerializationError(`Cannot decode ${what}: ${error instanceof Error ? error.message : String(error)}`, { cause: error, procedure })
      }
    },
  }
}
