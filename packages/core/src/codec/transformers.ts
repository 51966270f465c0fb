/**
 * What forkrpc's superjson instance is taught, beyond what superjson keeps exact by itself:
 * Buffers, typed arrays, Invalid Dates, objects with guarded keys, sparse arrays and Errors.
 * What such a transformer reads comes from the other side, so each checks the shape of its
 * input before it builds anything, and builds nothing larger than the bytes that carried
 * it: a Buffer from a string of base64 (never from `{ length: 60000000 }`, which
 * `Buffer.from` would allocate and fill), a sparse array of at most
 * {@link MAX_SPARSE_SLACK} + {@link MAX_HOLES_PER_ENTRY} slots per entry it holds.
 */
import type { SuperJSON } from 'superjson'
import { isError, marshalThrown } from './error-marshalling.js'
import { unmarshalThrown } from './error-rebuild.js'
import type { ErrorRegistry } from './error-registry.js'

/** Nested superjson strings, inside a custom transformer's output. */
export interface NestedPayloads {
  stringify(value: unknown): string
  /** Reads one from the other side: checked like the outer payload. */
  parse(text: string): unknown
}

/**
 * The holes a sparse array may have per entry it holds (beyond {@link MAX_SPARSE_SLACK}): its
 * holes cost nothing on the wire, and its length is allocated by the receiver.
 */
export const MAX_HOLES_PER_ENTRY = 8

/** The slots any sparse array may have, whatever it holds. */
export const MAX_SPARSE_SLACK = 64

/** The names of the custom transformers: a payload naming another is malformed. */
export const CUSTOM_NAMES: ReadonlySet<string> = new Set([
  'forkrpc:Buffer',
  'forkrpc:TypedArray',
  'forkrpc:InvalidDate',
  'forkrpc:GuardedKeys',
  'forkrpc:SparseArray',
  'forkrpc:Error',
])

/** Registers forkrpc's transformers on its own superjson instance. */
export function registerTransformers(superjson: SuperJSON, nested: NestedPayloads, errors: ErrorRegistry): void {
  registerBuffers(superjson)
  registerTypedArrays(superjson)
  registerInvalidDates(superjson)
  registerGuardedKeys(superjson, nested)
  registerSparseArrays(superjson, nested)
  registerErrors(superjson, nested, errors)
}

/** Throws a TypeError naming `what` unless `value` is a string. */
function text(value: unknown, what: string): string {
  if (typeof value !== 'string') throw new TypeError(`expected ${what} as a string`)
  return value
}

/** The object a transformer wrote (`{ t, b }`, `{ o }`, ...), or a TypeError. */
function fields(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null) throw new TypeError(`expected ${what} as an object`)
  return value as Record<string, unknown>
}

/** Buffers, which superjson's typed-array support does not know, go as base64. */
function registerBuffers(superjson: SuperJSON): void {
  superjson.registerCustom<Buffer, string>(
    {
      isApplicable: (value): value is Buffer => Buffer.isBuffer(value),
      serialize: (value) => value.toString('base64'),
      deserialize: (value) => Buffer.from(text(value, 'an encoded Buffer'), 'base64'),
    },
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
      deserialize: (encoded) => {
        const { t, b } = fields(encoded, 'an encoded typed array')
        const View = typeof t === 'string' ? typedArrays.get(t) : undefined
        if (View === undefined) throw new TypeError(`unknown typed array ${String(t).slice(0, 40)}`)
        const bytes = Buffer.from(text(b, "a typed array's bytes"), 'base64')
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

/** The `[key, value]` pairs of a nested payload, or a TypeError. */
function pairs(value: unknown, what: string): Array<[unknown, unknown]> {
  if (!Array.isArray(value) || !value.every((pair) => Array.isArray(pair) && pair.length === 2)) throw new TypeError(`expected ${what} as [key, value] pairs`)
  return value as Array<[unknown, unknown]>
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
        for (const [key, value] of pairs(nested.parse(text(fields(encoded, 'an encoded object').o, "an object's entries")), "an object's entries")) {
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

/** Throws unless a sparse array of `length` holding `entries` may travel (both sides check it). */
function checkSparseLength(length: number, entries: number): void {
  if (length <= MAX_SPARSE_SLACK + MAX_HOLES_PER_ENTRY * entries) return
  throw new TypeError(
    `a sparse array of length ${length} holds only ${entries} entries: at most ${MAX_SPARSE_SLACK} + ${MAX_HOLES_PER_ENTRY} slots per entry travel (send its entries, or a Map)`,
  )
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
        checkSparseLength(array.length, entries.length)
        return { n: array.length, e: nested.stringify(entries) }
      },
      deserialize: (encoded) => {
        const { n, e } = fields(encoded, 'an encoded sparse array')
        const entries = pairs(nested.parse(text(e, "a sparse array's entries")), "a sparse array's entries")
        if (!Number.isSafeInteger(n) || (n as number) < 0) throw new TypeError('expected the length of a sparse array as a whole number')
        const length = n as number
        checkSparseLength(length, entries.length)
        const array: unknown[] = new Array(length)
        // Only indexes are written: from a hostile peer, a "__proto__" entry would be a setter call.
        for (const [i, value] of entries) if (Number.isInteger(i) && (i as number) >= 0 && (i as number) < length) array[i as number] = value
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
      deserialize: (encoded) => unmarshalThrown(nested.parse(text(fields(encoded, 'an encoded error').s, 'an encoded error')), errors) as Error,
    },
    'forkrpc:Error',
  )
}
