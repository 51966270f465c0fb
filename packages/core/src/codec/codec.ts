/**
 * How payloads (call inputs, results, marshalled errors, chunks, events) travel.
 *
 * On a `json` channel Node JSON-encodes every message, which turns a Date into a string,
 * drops `undefined`, throws on BigInt and so on. The json codec walks the value once: plain
 * JSON data (the common case) is sent as it is in the message's `v` field; anything else
 * that superjson can keep exact goes through superjson into the `x` field (json-codec.ts).
 * Values that nothing can carry (functions, symbols, cycles) fail with a SerializationError
 * naming where they are.
 *
 * On an `advanced` channel Node uses the structured clone algorithm, so values go as they
 * are in `v`; what structured clone refuses (functions, symbols) throws when sent.
 */
import type { PayloadFields } from '../protocol/payload.js'

/** Encodes and decodes payloads for one kind of channel. */
export interface Codec {
  /**
   * Writes `value` into `message` (`v` or `x`). Throws SerializationError naming
   * `procedure` and `role` ("input", "result", ...). Returns an upper bound of the JSON text
   * of what it wrote in `v` when its walk found one (plain JSON data on `json`), or -1: then
   * the link measures the whole message.
   */
  encodeInto(message: PayloadFields, value: unknown, procedure: string | undefined, role: string): number
  /** Reads the payload back out of a received message. Throws SerializationError. */
  decode(message: PayloadFields, procedure: string | undefined, role: string): unknown
}
