/**
 * Property: the size check of maxMessageBytes is exact where it matters. For any message and
 * limit, it reports the exact encoded size (JSON plus newline, or the v8 serializer's bytes)
 * when that exceeds the limit, and nothing when the message fits: the cheap walk is a true
 * upper bound, never a reason to refuse a message that fits.
 */
import { serialize } from 'node:v8'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { PROTOCOL_VERSION } from '@forkrpc/core/channel'
import { sizeChecker } from '../../packages/core/src/protocol/limits.js'

const text = fc.string({ unit: 'binary', maxLength: 40 })
const cloneable = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.jsonValue({ maxDepth: 2 }),
    text,
    fc.date(),
    fc.bigInt(),
    fc.constant(undefined),
    fc.uint8Array({ maxLength: 16 }),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(text, tie('value'), { maxKeys: 4 }),
    fc.array(fc.tuple(tie('value'), tie('value')), { maxLength: 3 }).map((entries) => new Map(entries)),
  ),
})).value

const message = (v: unknown) => ({ $fr: PROTOCOL_VERSION, t: 'q', i: 'V1StGXR8_Z5jdHi6B-myT', m: 'echo', v })

describe('the maxMessageBytes size check', () => {
  it('is exact about JSON messages', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 4 }), fc.integer({ min: 1, max: 4_000 }), (v, limit) => {
        const sent = message(v)
        const exact = Buffer.byteLength(JSON.stringify(sent)) + 1
        expect(sizeChecker('json', limit)?.(sent)).toBe(exact > limit ? exact : undefined)
      }),
      { numRuns: 500 },
    )
  })

  it('is exact about structured-clone messages', () => {
    fc.assert(
      fc.property(cloneable, fc.integer({ min: 1, max: 4_000 }), (v, limit) => {
        const sent = message(v)
        const exact = serialize(sent).byteLength
        expect(sizeChecker('advanced', limit)?.(sent)).toBe(exact > limit ? exact : undefined)
      }),
      { numRuns: 500 },
    )
  })
})
