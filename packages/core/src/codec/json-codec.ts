/**
 * The codec of `json` channels: plain JSON data goes as it is, everything else superjson
 * can keep exact (Date, Map, Set, BigInt, RegExp, undefined, NaN, Infinity, -0, Buffers,
 * typed arrays, sparse arrays) goes through forkrpc's own superjson instance, and so do
 * Errors, marshalled the way thrown errors are (class, code, cause, properties).
 */
import { SuperJSON, type SuperJSONResult } from 'superjson'
import { SerializationError } from '../errors/call-errors.js'
import type { PayloadFields } from '../protocol/payload.js'
import type { Codec } from './codec.js'
import { classify, PLAIN, unencodable } from './encodable.js'
import { isWellFormedEnvelope } from './envelope.js'
import { isError, marshalThrown, unmarshalThrown } from './error-marshalling.js'
import type { ErrorRegistry } from './error-registry.js'

/**
 * The codec of the `json` channel, with its own superjson instance.
 *
 * @example
 * ```ts
 * const codec = jsonCodec(errorRegistry(contract.errors))
 * ```
 */
export function jsonCodec(errors: ErrorRegistry): Codec {
  const superjson = forkRpcSuperJson(errors)
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

/**
 * forkrpc's own superjson instance, so that the app's superjson registrations do not change
 * the wire format. It is taught what superjson does not keep exact by itself.
 */
function forkRpcSuperJson(errors: ErrorRegistry): SuperJSON {
  const superjson = new SuperJSON()
  const nested = nestedPayloads(superjson)
  registerBuffers(superjson)
  registerTypedArrays(superjson)
  registerInvalidDates(superjson)
  registerGuardedKeys(superjson, nested)
  registerSparseArrays(superjson, nested)
  registerErrors(superjson, nested, errors)
  return superjson
}

/** Nested superjson strings, inside a custom transformer's output. */
interface NestedPayloads {
  stringify(value: unknown): string
  /** Reads one from the other side: checked like the outer payload. */
  parse(text: string): unknown
}

function nestedPayloads(superjson: SuperJSON): NestedPayloads {
  return {
    stringify: (value) => JSON.stringify(withoutIdentities(superjson.serialize(value))),
    parse(text) {
      const encoded: unknown = JSON.parse(text)
      if (!isWellFormedEnvelope(encoded)) throw new TypeError('malformed nested payload')
      return superjson.deserialize(withoutIdentities(encoded as SuperJSONResult))
    },
  }
}

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

/** Buffers, which superjson's typed-array support does not know, go as base64. */
function registerBuffers(superjson: SuperJSON): void {
  superjson.registerCustom<Buffer, string>(
    { isApplicable: (value): value is Buffer => Buffer.isBuffer(value), serialize: (value) => value.toString('base64'), deserialize: (value) => Buffer.from(value, 'base64') },
    'forkrpc:Buffer',
  )
}

type TypedArray = Exclude<NodeJS.TypedArray, Buffer> | DataView

/** The views carried as bytes, by constructor name. */
const typedArrays = new Map<string, new (buffer: ArrayBuffer) => TypedArray>(
  [Int8Array, Uint8Array, Uint8ClampedArray, Int16Array, Uint16Array, Int32Array, Uint32Array, Float32Array, Float64Array, BigInt64Array, BigUint64Array, DataView].map((View) => [View.name, View]),
)

/**
 * superjson sends typed arrays as arrays of numbers, which JSON cannot carry exactly (NaN
 * and -0 in a Float64Array, any BigInt64Array): their bytes go as base64 instead.
 */
function registerTypedArrays(superjson: SuperJSON): void {
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
}

/** superjson leaves an Invalid Date to JSON, which makes it null. */
function registerInvalidDates(superjson: SuperJSON): void {
  superjson.registerCustom<Date, null>(
    { isApplicable: (value): value is Date => value instanceof Date && Number.isNaN(value.getTime()), serialize: () => null, deserialize: () => new Date(Number.NaN) },
    'forkrpc:InvalidDate',
  )
}

function hasGuardedKey(value: unknown): boolean {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false
  const proto: unknown = Object.getPrototypeOf(value)
  if (proto !== Object.prototype && proto !== null) return false
  return Object.hasOwn(value, '__proto__') || Object.hasOwn(value, 'constructor') || Object.hasOwn(value, 'prototype')
}

/**
 * superjson refuses to write an object with an own `__proto__`, `constructor` or `prototype`
 * key (JSON.parse makes such keys, and they are legitimate data): such an object goes as its
 * entries, and is rebuilt with defineProperty, which never calls the `__proto__` setter.
 */
function registerGuardedKeys(superjson: SuperJSON, nested: NestedPayloads): void {
  superjson.registerCustom<Record<string, unknown>, { o: string }>(
    {
      isApplicable: (value): value is Record<string, unknown> => hasGuardedKey(value),
      serialize: (record) => ({ o: nested.stringify(Object.entries(record)) }),
      deserialize: (encoded) => {
        const record: Record<string, unknown> = {}
        for (const [key, value] of nested.parse(encoded.o) as Array<[string, unknown]>) {
          Object.defineProperty(record, String(key), { value, enumerable: true, writable: true, configurable: true })
        }
        return record
      },
    },
    'forkrpc:GuardedKeys',
  )
}

function hasHoles(array: unknown[]): boolean {
  for (let i = 0; i < array.length; i++) if (!(i in array)) return true
  return false
}

/**
 * JSON turns a hole in a sparse array into null: such an array goes as its length and its
 * present entries (themselves encoded, as inside an Error).
 */
function registerSparseArrays(superjson: SuperJSON, nested: NestedPayloads): void {
  superjson.registerCustom<unknown[], { n: number; e: string }>(
    {
      isApplicable: (value): value is unknown[] => Array.isArray(value) && hasHoles(value),
      serialize: (array) => {
        const entries: Array<[number, unknown]> = []
        for (let i = 0; i < array.length; i++) if (i in array) entries.push([i, array[i]])
        return { n: array.length, e: nested.stringify(entries) }
      },
      deserialize: (encoded) => {
        const length = Number(encoded.n)
        const array: unknown[] = new Array(length)
        // Only indexes are written: from a hostile peer, a "__proto__" entry would be a setter call.
        for (const [i, value] of nested.parse(encoded.e) as Array<[number, unknown]>) {
          if (Number.isInteger(i) && i >= 0 && i < length) array[i] = value
        }
        return array
      },
    },
    'forkrpc:SparseArray',
  )
}

/**
 * Errors inside values go as a nested superjson string, so that Dates and the like in an
 * error's properties survive. A string, not the nested result's objects: superjson walks
 * what a custom transformer returns and would "dedupe" the nested result's own metadata
 * arrays, which it then cannot restore. (Wrapped in an object: superjson walks into the
 * result of a custom transformer of an object, and would take a bare string apart.)
 */
function registerErrors(superjson: SuperJSON, nested: NestedPayloads, errors: ErrorRegistry): void {
  superjson.registerCustom<Error, { s: string }>(
    {
      isApplicable: (value): value is Error => isError(value),
      serialize: (error) => ({ s: nested.stringify(marshalThrown(error, errors)) }),
      deserialize: (encoded) => unmarshalThrown(nested.parse(encoded.s), errors) as Error,
    },
    'forkrpc:Error',
  )
}
