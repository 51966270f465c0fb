/**
 * The codec of each serialization: `json` (json-codec.ts) or `advanced`.
 */
import type { Serialization } from '../protocol/payload.js'
import type { Codec } from './codec.js'
import { unencodable, unencodablePrimitive } from './encodable.js'
import type { ErrorRegistry } from './error-registry.js'
import { jsonCodec } from './json-codec.js'

/**
 * The codec for a channel: `json` (plain JSON as is, the rest through superjson) or
 * `advanced` (structured clone carries values as they are). `errors` decides which
 * classes Errors inside values come back as.
 */
export function createCodec(serialization: Serialization, errors: ErrorRegistry): Codec {
  return serialization === 'advanced' ? advancedCodec : jsonCodec(errors)
}

/** The codec of the `advanced` channel. */
const advancedCodec: Codec = {
  encodeInto(message, value, procedure, role) {
    if (value === undefined) return -1
    // Structured clone throws for these only once send() runs; checking here gives the
    // same clear error as on the json channel, before anything is written.
    const primitive = unencodablePrimitive(value)
    if (primitive !== undefined) throw unencodable(primitive, procedure, role)
    message.v = value
    return -1
  },
  decode(message) {
    return message.v
  },
}
