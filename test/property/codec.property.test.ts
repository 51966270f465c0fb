/**
 * Property: any value of the supported types (nested objects and arrays, Date, Map, Set,
 * BigInt, RegExp, undefined, NaN, -0, sparse arrays, strings with lone surrogates, typed
 * arrays, Errors with causes, `__proto__` / `constructor` / `prototype` keys) comes back exactly from a handler that returns its input, on
 * both channels: through the real codec and the real serialization of the memory channel.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { defineContract, procedure, type Serialization } from '@forkrpc/core'
import { pairFor } from '../unit/support.js'

const contract = defineContract({ echo: procedure<unknown, unknown>() })

const loneSurrogates = fc.constantFrom('\ud800', '\udfff', 'a\udc00b', '\ud83d', '\ude00\ud83d')
const text = fc.oneof(fc.string({ unit: 'binary', maxLength: 12 }), loneSurrogates)
const flags = fc.subarray(['g', 'i', 'm', 's', 'y']).map((list) => list.join(''))
const regexp = fc.tuple(fc.string({ maxLength: 8 }), flags).map(([source, f]) => new RegExp(source.replace(/[\\^$.*+?()[\]{}|/]/g, '\\$&'), f))
const date = fc.oneof(fc.date(), fc.constant(new Date(Number.NaN)))
const typedArray = fc.oneof(
  fc.float64Array({ maxLength: 4 }),
  fc.int32Array({ maxLength: 4 }),
  fc.uint8Array({ maxLength: 4 }),
  fc.bigInt64Array({ maxLength: 3 }),
  fc.bigUint64Array({ maxLength: 3 }),
)

const leaf = fc.oneof(
  text,
  fc.double(), // NaN, -0, ±Infinity among them
  fc.integer(),
  fc.boolean(),
  fc.constant(null),
  fc.constant(undefined),
  fc.bigInt(),
  date,
  regexp,
)

const { value } = fc.letrec<{ value: unknown; error: Error }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaf,
    fc.array(tie('value'), { maxLength: 4 }),
    fc.sparseArray(tie('value'), { maxLength: 6 }),
    fc.dictionary(fc.oneof(text, fc.constantFrom('__proto__', 'constructor', 'prototype')), tie('value'), { maxKeys: 4 }),
    fc.array(fc.tuple(tie('value'), tie('value')), { maxLength: 3 }).map((entries) => new Map(entries)),
    fc.array(tie('value'), { maxLength: 3 }).map((entries) => new Set(entries)),
    typedArray,
    tie('error'),
  ),
  error: fc
    .tuple(fc.constantFrom(Error, TypeError, RangeError), text, fc.option(tie('value'), { nil: undefined }), fc.boolean())
    .map(([ErrorClass, message, cause, hasCause]) => (hasCause ? new ErrorClass(message, { cause }) : new ErrorClass(message))),
}))

const HOLE = Symbol('hole')

/**
 * A canonical form to compare with toStrictEqual: containers become tagged arrays (so that
 * an own `constructor` key, or a Set of objects, cannot confuse the matcher), holes become a
 * marker, and Errors are compared as forkrpc promises to keep them: class, name, message, cause.
 */
function comparable(input: unknown): unknown {
  if (typeof input !== 'object' || input === null) return input
  if (input instanceof Error) {
    const out: unknown[] = ['Error', Object.getPrototypeOf(input).constructor.name, input.name, input.message]
    if (Object.hasOwn(input, 'cause')) out.push(comparable(input.cause))
    return out
  }
  if (Array.isArray(input)) {
    const out: unknown[] = ['Array']
    for (let i = 0; i < input.length; i++) out.push(i in input ? comparable(input[i]) : HOLE)
    return out
  }
  if (input instanceof Map) return ['Map', ...[...input].map(([k, v]) => [comparable(k), comparable(v)])]
  if (input instanceof Set) return ['Set', ...[...input].map((v) => comparable(v))]
  if (Object.getPrototypeOf(input) === Object.prototype || Object.getPrototypeOf(input) === null) {
    return ['Object', ...Object.keys(input).map((key) => [key, comparable((input as Record<string, unknown>)[key])])]
  }
  return input
}

describe.each<Serialization>(['json', 'advanced'])('any supported value round-trips exactly on %s', (serialization) => {
  it('as input and as result', async () => {
    const pair = pairFor(contract, { echo: (input) => input }, { serialization })
    await fc.assert(
      fc.asyncProperty(value, async (sent) => {
        const back = await pair.call.echo(sent)
        expect(comparable(back)).toStrictEqual(comparable(sent))
      }),
      { numRuns: 400 },
    )
  })
})
