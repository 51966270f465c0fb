/**
 * The fuzz target of what a payload costs its receiver, per byte received: thousands of
 * payloads made to cost more than their size (costly-payloads.ts) go through the decoder
 * (the codec, then the error rebuild of an `e` reply) and back out through the error
 * marshalling (a handler that rethrows what it got). Three deterministic measures, none of
 * them a clock:
 * - built: the size of what the decoder built (slots of arrays, holes included; characters;
 *   bytes of Buffers and typed arrays; entries of Maps and Sets; each object and Error once,
 *   however often it is referred to) is at most BUILT_PER_BYTE times the bytes received,
 *   plus SLACK;
 * - steps: the path steps superjson takes to apply the metadata, as the decoder's meter
 *   counts them (envelope.ts models superjson's walk), are at most PATH_STEPS_PER_BYTE + 1
 *   times the bytes received, plus its slack, whether the payload was accepted or not;
 * - out: the bytes of the error marshalled (and encoded) again from what was rebuilt are at most
 *   BUILT_PER_BYTE times the bytes received, plus SLACK (a shared or circular entry must not
 *   unfold into a tree).
 * A failing payload is replayed with FUZZ_SEED.
 */
import { serialize } from 'node:v8'
import { describe, expect, it } from 'vitest'
import { PROTOCOL_VERSION, type Serialization } from '@forkrpc/core/channel'
import { createCodec } from '../../packages/core/src/codec/create-codec.js'
import { PATH_STEPS_PER_BYTE, PATH_STEPS_SLACK, envelopeFault, type EnvelopeMeter } from '../../packages/core/src/codec/envelope.js'
import { MAX_ERROR_PARTS, marshalThrown } from '../../packages/core/src/codec/error-marshalling.js'
import { unmarshalThrown } from '../../packages/core/src/codec/error-rebuild.js'
import { errorRegistry } from '../../packages/core/src/codec/error-registry.js'
import { CUSTOM_NAMES } from '../../packages/core/src/codec/transformers.js'
import type { PayloadFields } from '../../packages/core/src/protocol/payload.js'
import { createCostlyPayloads } from './costly-payloads.js'

/** What the decoder may build per byte received, beyond SLACK. */
const BUILT_PER_BYTE = 4
/**
 * What any payload may cost beyond that: a ProtocolError for a malformed reply, and, marshalled
 * again, up to MAX_ERROR_PARTS markers of ~60 bytes for entries that refer back to an error
 * (a reference takes a few bytes of structured clone; JSON has none).
 */
const SLACK = 16 * 1024 + 64 * MAX_ERROR_PARTS

class PluginError extends Error {
  override name = 'PluginError'
}
const registry = errorRegistry([PluginError])

/** The bytes a message takes on the channel: JSON and a newline, or the v8 serializer's output. */
function bytesOf(message: object, serialization: Serialization): number {
  return serialization === 'json' ? Buffer.byteLength(JSON.stringify(message)) + 1 : serialize(message).byteLength
}

/**
 * The size of what was built, each object counted once; stops (returning more than
 * `cap`) as soon as it passes `cap`, so that a value built far too large fails the test
 * instead of hanging it.
 */
function builtSize(root: unknown, cap: number): number {
  const seen = new Set<object>()
  let total = 0
  const stack: unknown[] = [root]
  while (stack.length > 0 && total <= cap) {
    const value = stack.pop()
    if (typeof value === 'string') total += value.length
    else if (typeof value === 'bigint') total += value.toString(16).length / 2
    else if (typeof value !== 'object' || value === null) total += 1
    else if (!seen.has(value)) {
      seen.add(value)
      total += 8
      if (ArrayBuffer.isView(value)) total += value.byteLength
      else if (Array.isArray(value)) {
        total += value.length // the slots, holes included: a walk of the array takes that many steps
        if (value.length <= cap) for (const key of Object.keys(value)) stack.push(value[Number(key)])
      } else if (value instanceof Map) for (const [k, v] of value) stack.push(k, v)
      else if (value instanceof Set) for (const entry of value) stack.push(entry)
      else if (value instanceof Date) total += 8
      else if (value instanceof RegExp) total += value.source.length
      else {
        if (value instanceof Error) stack.push(value.message, value.stack, value.name, (value as { cause?: unknown }).cause, (value as { errors?: unknown }).errors)
        for (const key of Object.keys(value)) stack.push(key, (value as Record<string, unknown>)[key])
      }
    }
  }
  return total
}

describe.each<[Serialization, number]>([
  ['json', 1_500],
  ['advanced', 1_500],
])('what a payload costs its receiver on %s', (serialization, count) => {
  it(`is at most a set multiple of its bytes, for ${count} payloads made to cost more`, () => {
    const seed = Number(process.env.FUZZ_SEED ?? Date.now()) >>> 0
    console.log(`cost fuzz seed ${seed} (replay with FUZZ_SEED=${seed})`)
    const codec = createCodec(serialization, registry)
    const next = createCostlyPayloads(seed, serialization === 'advanced')
    let accepted = 0
    for (let i = 0; i < count; i++) {
      const payload = next()
      const message: PayloadFields & Record<string, unknown> = { $fr: PROTOCOL_VERSION, t: payload.kind === 'error' ? 'e' : 'r', i: 'c1', ...(payload.fields as PayloadFields) }
      const bytes = bytesOf(message, serialization)
      // What the channel delivers: a copy made by its serialization.
      const received = serialization === 'json' ? (JSON.parse(JSON.stringify(message)) as typeof message) : structuredClone(message)
      const meter: EnvelopeMeter = { steps: 0 }
      if (received.x !== undefined) envelopeFault(received.x, CUSTOM_NAMES, meter)
      expect(meter.steps, `seed ${seed}, payload ${i}: path steps for ${bytes} bytes`).toBeLessThanOrEqual(PATH_STEPS_SLACK + (PATH_STEPS_PER_BYTE + 1) * bytes)
      let value: unknown
      try {
        value = codec.decode(received, 'probe', payload.kind)
      } catch {
        continue // refused (SerializationError): built nothing to speak of
      }
      if (payload.kind === 'error') value = unmarshalThrown(value, registry, { procedure: 'probe' })
      accepted++
      const cap = SLACK + BUILT_PER_BYTE * bytes
      expect(builtSize(value, cap), `seed ${seed}, payload ${i}: built from ${bytes} bytes`).toBeLessThanOrEqual(cap)
      const reply: PayloadFields & Record<string, unknown> = { $fr: PROTOCOL_VERSION, t: 'e', i: 'c1' }
      codec.encodeInto(reply, marshalThrown(value, registry), 'probe', 'error')
      const out = bytesOf(reply, serialization)
      expect(out, `seed ${seed}, payload ${i}: marshalled again from ${bytes} bytes`).toBeLessThanOrEqual(cap)
    }
    // The generator's payloads are hostile, not all refused: the measures saw decoded values.
    expect(accepted).toBeGreaterThan(count / 10)
  }, 120_000)
})
