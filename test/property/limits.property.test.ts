/**
 * Property: the size check of maxMessageBytes is exact where it matters. For any message and
 * limit, it reports the exact encoded size (JSON plus newline, or the v8 serializer's bytes)
 * when that exceeds the limit, and nothing when the message fits: the cheap walk is a true
 * upper bound, never a reason to refuse a message that fits. The same holds when the payload's
 * bound comes from the json codec's one walk (plainBound), which vouches only for what JSON
 * carries exactly (classify says PLAIN).
 */
import { serialize } from 'node:v8'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { PROTOCOL_VERSION } from '@forkrpc/core/channel'
import { classify, PLAIN, plainBound } from '../../packages/core/src/codec/encodable.js'
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

/** JSON values whose numbers include the longest JSON writes (25 bytes: `-0.0000012345678901234567`). */
const longNumber = fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true, min: -9.999e-6, max: -1.001e-6 }), fc.constant(-0.0000012345678901234567), fc.constant(-1.2345678901234567e-300))
const jsonWithLongNumbers = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.jsonValue({ maxDepth: 1 }),
    longNumber,
    fc.array(longNumber, { minLength: 100, maxLength: 1_000 }),
    fc.array(tie('value'), { maxLength: 30 }),
    fc.dictionary(text, tie('value'), { maxKeys: 4 }),
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

  it('refuses every JSON message one byte over the limit, measured either way (a bound below the size lets it through)', () => {
    fc.assert(
      fc.property(jsonWithLongNumbers, (v) => {
        const sent = message(v)
        const exact = Buffer.byteLength(JSON.stringify(sent)) + 1
        const check = sizeChecker('json', exact - 1)
        expect(check?.(sent)).toBe(exact)
        const bytes = plainBound(v)
        if (bytes >= 0) expect(check?.(sent, bytes)).toBe(exact)
      }),
      { numRuns: 500 },
    )
  })

  it('refuses a message of numbers that JSON writes in 25 bytes each', () => {
    const v = Array.from({ length: 1_000 }, () => -0.0000012345678901234567)
    const sent = message(v)
    const exact = Buffer.byteLength(JSON.stringify(sent)) + 1
    expect(sizeChecker('json', exact - 1)?.(sent)).toBe(exact)
    expect(sizeChecker('json', exact - 1)?.(sent, plainBound(v))).toBe(exact)
  })

  it('measures exactly what a toJSON() sends (an array may carry one, as may a polluted prototype)', () => {
    const v = Object.assign([1], { toJSON: () => 'x'.repeat(10_000) })
    expect(plainBound(v)).toBe(-1)
    expect(sizeChecker('json', 1_000)?.(message(v))).toBe(Buffer.byteLength(JSON.stringify(message(v))) + 1)
    const plain = { a: 1 }
    Object.defineProperty(Object.prototype, 'toJSON', { value: () => 'y'.repeat(10_000), configurable: true })
    try {
      expect(plainBound(plain)).toBe(-1)
      expect(sizeChecker('json', 1_000)?.(message(plain))).toBe(Buffer.byteLength(JSON.stringify(message(plain))) + 1)
    } finally {
      delete (Object.prototype as { toJSON?: unknown }).toJSON
    }
  })

  it("is exact about JSON messages measured with the codec's walk of their payload", () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 4 }), fc.integer({ min: 1, max: 4_000 }), (v, limit) => {
        const bytes = plainBound(v)
        fc.pre(bytes >= 0) // -0 somewhere: the full walk's (superjson's) business
        const sent = message(v)
        const exact = Buffer.byteLength(JSON.stringify(sent)) + 1
        expect(bytes).toBeGreaterThanOrEqual(Buffer.byteLength(JSON.stringify(v)))
        expect(sizeChecker('json', limit)?.(sent, bytes)).toBe(exact > limit ? exact : undefined)
      }),
      { numRuns: 500 },
    )
  })
})

describe("the json codec's one walk (plainBound)", () => {
  it('vouches for a value exactly when the full walk finds it plain and finds nothing it cannot send', () => {
    const sendable = fc.oneof(cloneable, fc.constant(Number.NaN), fc.constant(-0), fc.constant([1, , 3]), fc.constant(() => 1))
    fc.assert(
      fc.property(fc.oneof(sendable, fc.dictionary(text, sendable, { maxKeys: 3 }), fc.array(sendable, { maxLength: 3 })), (v) => {
        let kind: number | 'throws'
        try {
          kind = classify(v, [])
        } catch {
          kind = 'throws'
        }
        // (Plain data it does not vouch for, nested too deep or with a toJSON(), is not generated here.)
        expect(plainBound(v) >= 0).toBe(kind === PLAIN)
      }),
      { numRuns: 1_000 },
    )
  })

  it('leaves what is nested deeper than it walks, and cycles, to the full walk', () => {
    let deep: unknown = 1
    for (let i = 0; i < 500; i++) deep = [deep]
    expect(plainBound(deep)).toBe(-1)
    expect(classify(deep, [])).toBe(PLAIN)
    const cycle: { self?: unknown } = {}
    cycle.self = { cycle }
    expect(plainBound(cycle)).toBe(-1)
  })
})
