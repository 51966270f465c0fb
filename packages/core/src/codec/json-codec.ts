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
import { classify, PLAIN, plainBound, unencodable } from './encodable.js'
import { envelopeFault } from './envelope.js'
import type { ErrorRegistry } from './error-registry.js'
import { CUSTOM_NAMES, registerTransformers, type NestedPayloads } from './transformers.js'

/** The codec of the `json` channel, with its own superjson instance. */
export function jsonCodec(errors: ErrorRegistry): Codec {
  const superjson = forkRpcSuperJson(errors)
  return {
    encodeInto(message, value, procedure, role) {
      if (value === undefined) return 0
      // Plain JSON data, checked and measured in one walk; a getter that throws is left to the full walk, which names it.
      let bytes: number
      try {
        bytes = plainBound(value)
      } catch {
        bytes = -1
      }
      if (bytes >= 0) {
        message.v = value
        return bytes
      }
      let kind: number
      try {
        kind = classify(value, [])
      } catch (error) {
        throw unencodable(error, procedure, role)
      }
      if (kind === PLAIN) {
        message.v = value // data with a toJSON() (a Decimal): the link measures it
        return -1
      }
      try {
        message.x = withoutIdentities(superjson.serialize(value)) as PayloadFields['x']
      } catch (error) {
        throw unencodable(error, procedure, role)
      }
      return -1
    },
    decode(message, procedure, role) {
      const encoded = message.x
      if (encoded === undefined) return message.v
      const what = procedure === undefined ? `the ${role}` : `the ${role} of "${procedure}"`
      const fault = envelopeFault(encoded, CUSTOM_NAMES)
      if (fault !== undefined) throw new SerializationError(`Cannot decode ${what}: the encoded payload is malformed (${fault})`, { procedure })
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
  registerTransformers(superjson, nestedPayloads(superjson), errors)
  return superjson
}

function nestedPayloads(superjson: SuperJSON): NestedPayloads {
  return {
    stringify: (value) => JSON.stringify(withoutIdentities(superjson.serialize(value))),
    parse(text) {
      const encoded: unknown = JSON.parse(text)
      const fault = envelopeFault(encoded, CUSTOM_NAMES)
      if (fault !== undefined) throw new TypeError(`a nested payload is malformed (${fault})`)
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
