/**
 * How payloads (call inputs, results, marshalled errors) travel on the IPC channel.
 *
 * On the default `json` channel Node JSON-encodes every message, which turns a Date into
 * a string, drops `undefined`, throws on BigInt and so on. forkrpc walks the value once:
 * plain JSON data (the common case) is sent as it is in the message's `v` field; anything
 * else that superjson can keep exact (Date, Map, Set, BigInt, RegExp, undefined, NaN,
 * Infinity, -0, Buffers, typed arrays) goes through superjson into the `x` field, and so do
 * Errors, marshalled the way thrown errors are (class, code, cause, properties). Values
 * that cannot be kept (functions, symbols, cycles) fail with a SerializationError naming
 * where they are.
 *
 * On the `advanced` channel Node uses the structured clone algorithm, so values go as
 * they are in `v`; what structured clone refuses (functions, symbols) throws when sent.
 */
import { SuperJSON, type SuperJSONResult } from 'superjson'
import { classify, PLAIN, unencodable, unencodablePrimitive } from './encodable.js'
import { isError, marshalThrown, unmarshalThrown, type ErrorRegistry } from './error-marshalling.js'
import { SerializationError } from './errors.js'

type JSONObject = { [key: string]: JSONObject | JSONObject[] | string | number | boolean | null | undefined }

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
  // Serialized as a nested superjson result, so that Dates and the like in an error's
  // properties survive. (superjson types a custom value as JSON data, which this is, but
  // its SuperJSONResult type lacks the index signature; hence the casts.)
  superjson.registerCustom<Error, JSONObject>(
    {
      isApplicable: (value): value is Error => isError(value),
      serialize: (error) => superjson.serialize(marshalThrown(error, errors)) as unknown as JSONObject,
      deserialize: (encoded) => unmarshalThrown(superjson.deserialize(encoded as unknown as SuperJSONResult), errors) as Error,
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
        return superjson.deserialize(encoded as SuperJSONResult)
      } catch (error) {
        throw new SerializationError(`Cannot decode ${what}: ${error instanceof Error ? error.message : String(error)}`, { cause: error, procedure })
      }
    },
  }
}
