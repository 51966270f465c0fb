/**
 * Payloads a hostile peer writes by hand, answered to a real client over a memory channel:
 * errors whose fields are anything, error graphs that refer to themselves, superjson
 * metadata that would make the decoder build far more than its bytes carry. Each call must
 * settle, with a printable error or a SerializationError, and nothing may escape the
 * channel's listener. (The same attacks over a real fork: test/process/hostile/.)
 */
import { inspect } from 'node:util'
import { describe, expect, it } from 'vitest'
import { defineContract, procedure, SerializationError, type Serialization } from '@forkrpc/core'
import { createClient, createRouter, PROTOCOL_VERSION } from '@forkrpc/core/channel'
import { createMemoryChannelPair } from '@forkrpc/testing'
import { MAX_ERROR_PARTS, REPEATED_MESSAGE } from '../../../packages/core/src/codec/error-marshalling.js'
import { closeAfterTest, type RawMessage } from '../support.js'

class PluginError extends Error {
  override name = 'PluginError'
}

const contract = defineContract({ probe: procedure<string, unknown>() }, { errors: [PluginError] })

/** A client whose every request is answered by `answer` (the other end written by hand). */
function hostileEnd(serialization: Serialization, answer: (request: RawMessage) => Record<string, unknown>) {
  const { parent, child } = createMemoryChannelPair(serialization)
  closeAfterTest(parent)
  child.receive((message) => {
    const request = message as RawMessage
    if (request.t === 'q') child.send({ $fr: PROTOCOL_VERSION, i: request.i, ...answer(request) })
  })
  return createClient(contract, parent)
}

/** Everything that prints an error: none of it may throw. */
function printed(error: unknown): string[] {
  const value = error as Error
  return [String(value), `${value.name}: ${value.message}`, String(value.stack), inspect(value), JSON.stringify(value)]
}

describe.each<Serialization>(['json', 'advanced'])('a hostile reply on %s', (serialization) => {
  it("cannot make an error unprintable through its props (stack, message, name, toString)", async () => {
    const client = hostileEnd(serialization, () => ({
      t: 'e',
      v: { name: 'PluginError', message: 'pu', c: 'PluginError', props: { stack: 0, message: { toString: 1 }, name: { toString: 1 }, toString: 1, valueOf: 2, code: 'E_PLUGIN' } },
    }))
    const error = (await client.call.probe('x').catch((e: unknown) => e)) as PluginError & { code: string }
    expect(error).toBeInstanceOf(PluginError)
    expect(error.message).toBe('pu')
    expect(error.name).toBe('PluginError')
    expect(error.code).toBe('E_PLUGIN') // other props still arrive
    expect(typeof error.stack).toBe('string')
    expect(error.stack).toMatch(/^PluginError: pu\n {4}at <forkrpc call "probe" from the parent>/)
    for (const text of printed(error)) expect(typeof text).toBe('string')
  })

  it('keeps a string name from props (a class field), as a marshalled error sends it', async () => {
    const client = hostileEnd(serialization, () => ({ t: 'e', v: { name: 'Error', message: 'm', props: { name: 'FieldName' } } }))
    const error = (await client.call.probe('x').catch((e: unknown) => e)) as Error
    expect(error.name).toBe('FieldName')
  })

  it('rebuilds an AggregateError that refers to itself without walking the loop (a seen-set)', async () => {
    if (serialization === 'json') return // JSON cannot carry a reference: only structured clone can
    const client = hostileEnd(serialization, () => {
      const data: Record<string, unknown> = { name: 'AggregateError', message: 'loop', c: 'AggregateError' }
      data.errors = [data, data] // 2^16 copies without a seen-set; 8 references made it 8^16 steps
      data.cause = data
      return { t: 'e', v: data }
    })
    const error = (await client.call.probe('x').catch((e: unknown) => e)) as AggregateError
    expect(error).toBeInstanceOf(AggregateError)
    expect(error.errors).toEqual([error, error])
    expect(error.cause).toBe(error)
    for (const text of printed(error)) expect(typeof text).toBe('string')
  })

  it(`rebuilds at most ${MAX_ERROR_PARTS} parts of one error, however many it holds`, async () => {
    if (serialization === 'json') return // JSON would copy each shared entry: only structured clone sends a graph this small
    const client = hostileEnd(serialization, () => {
      // A chain of 16 levels of AggregateErrors of 8 distinct entries each: 8^15 parts.
      let data: Record<string, unknown> = { name: 'Error', message: 'leaf' }
      for (let level = 0; level < 15; level++) data = { name: 'AggregateError', message: `level ${level}`, c: 'AggregateError', errors: Array.from({ length: 8 }, () => data) }
      return { t: 'e', v: data }
    })
    const error = (await client.call.probe('x').catch((e: unknown) => e)) as AggregateError
    expect(error).toBeInstanceOf(AggregateError)
    expect(countParts(error)).toBeLessThanOrEqual(MAX_ERROR_PARTS)
  })
})

/** The distinct errors and values reachable through `errors` and `cause`. */
function countParts(root: unknown): number {
  const seen = new Set<unknown>()
  const visit = (value: unknown): void => {
    if (seen.has(value)) return
    seen.add(value)
    if (value instanceof Error) {
      if (Object.hasOwn(value, 'cause')) visit(value.cause)
      for (const entry of (value as Partial<AggregateError>).errors ?? []) visit(entry)
    }
  }
  visit(root)
  return seen.size
}

/** A result reply carrying superjson metadata written by hand. */
const encoded = (json: unknown, values: unknown) => ({ t: 'r', x: { json, meta: { values, v: 1 } } })

describe('hostile superjson metadata on json', () => {
  const attacks: Array<[string, Record<string, unknown>, RegExp]> = [
    ['a Buffer of { length: 60000000 } instead of base64', encoded({ length: 60_000_000 }, [['custom', 'forkrpc:Buffer']]), /expected an encoded Buffer as a string/],
    ['a typed array of { length: 60000000 } bytes', encoded({ t: 'Uint8Array', b: { length: 60_000_000 } }, [['custom', 'forkrpc:TypedArray']]), /expected a typed array's bytes as a string/],
    ["superjson's own typed-array annotation, of a length", encoded(60_000_000, [['typed-array', 'Float64Array']]), /annotation forkrpc does not write/],
    ['a sparse array of length 2^32 - 1 holding nothing', encoded({ n: 4_294_967_295, e: '{"json":[]}' }, [['custom', 'forkrpc:SparseArray']]), /sparse array of length 4294967295 holds only 0 entries/],
    ['a sparse array with a length that is no number', encoded({ n: '9', e: '{"json":[]}' }, [['custom', 'forkrpc:SparseArray']]), /expected the length of a sparse array as a whole number/],
    ["superjson's Error annotation, with a name that does not print", encoded({ name: { toString: 1 }, message: 'x' }, ['Error']), /annotation forkrpc does not write \(Error\)/],
    ['a BigInt that is no string', encoded(['1'.repeat(10)], ['bigint']), /BigInt that is not a string/],
    ['a BigInt of two million digits', encoded('9'.repeat(2_000_000), ['bigint']), /BigInt that is not a string of at most 1000000 digits/],
    ['a custom transformer forkrpc does not have', encoded(1, [['custom', 'other:Thing']]), /custom other:Thing/],
    ['a class annotation', encoded({}, [['class', 'Anything']]), /annotation forkrpc does not write \(class\)/],
    ['a metadata version superjson does not write', { t: 'r', x: { json: 1, meta: { values: ['Date'], v: 0 } } }, /metadata is malformed/],
  ]

  it.each(attacks)('refuses %s with SerializationError, building nothing', async (_, reply, why) => {
    const client = hostileEnd('json', () => reply)
    const error = await client.call.probe('x').catch((e: unknown) => e)
    expect(error).toBeInstanceOf(SerializationError)
    expect((error as Error).message).toMatch(why)
  })

  it('refuses metadata whose paths would cost more steps than its bytes justify (deep key, many leaves)', async () => {
    // One key of 20,000 segments, then 2,000 leaves under it: superjson would copy a path of
    // 20,000 for each leaf (40 million steps) for ~60 KB of metadata.
    const deep = Array.from({ length: 20_000 }, () => 'a').join('.')
    const leaves = Object.fromEntries(Array.from({ length: 2_000 }, (_, i) => [String(i), ['Date']]))
    const client = hostileEnd('json', () => encoded({}, { [deep]: leaves }))
    const error = await client.call.probe('x').catch((e: unknown) => e)
    expect(error).toBeInstanceOf(SerializationError)
    expect((error as Error).message).toMatch(/more steps to apply than its size justifies/)
  })

  it('still reads legitimate metadata: a Date 40 levels deep under a fan of 1,000 leaves', async () => {
    let json: unknown = Object.fromEntries(Array.from({ length: 1_000 }, (_, i) => [`k${i}`, '1970-01-01T00:00:00.000Z']))
    let values: unknown = Object.fromEntries(Array.from({ length: 1_000 }, (_, i) => [`k${i}`, ['Date']]))
    for (let level = 0; level < 40; level++) {
      json = { [`level${level}`]: json }
      values = { [`level${level}`]: values }
    }
    const client = hostileEnd('json', () => encoded(json, values))
    let value = (await client.call.probe('x')) as Record<string, unknown>
    for (let level = 39; level >= 0; level--) value = value[`level${level}`] as Record<string, unknown>
    expect(value.k999).toEqual(new Date(0))
  })

  it('reads a sparse array within its bound, and its holes stay holes', async () => {
    const client = hostileEnd('json', () => encoded({ n: 64 + 8, e: '{"json":[[0,"a"],[71,"z"]]}' }, [['custom', 'forkrpc:SparseArray']]))
    const array = (await client.call.probe('x')) as unknown[]
    expect(array).toHaveLength(72)
    expect([array[0], 1 in array, array[71]]).toEqual(['a', false, 'z'])
  })
})

describe('what a receiver refuses, a sender refuses first (json)', () => {
  const echo = defineContract({ echo: procedure<unknown, unknown>() })

  it.each<[string, () => unknown, RegExp]>([
    ['a sparse array with far more holes than entries', () => Object.assign([], { 100_000: 'one' }), /a sparse array of length 100001 holds only 1 entries/],
    ['a BigInt of more than a million digits', () => 10n ** 1_000_100n, /a BigInt of about 1000\d{3} digits \(at most 1000000 travel\)/],
  ])('%s: the call fails with SerializationError before anything is sent', async (_, make, why) => {
    const { parent, child } = createMemoryChannelPair('json')
    closeAfterTest(parent)
    const sent: unknown[] = []
    child.receive((message) => sent.push(message))
    const client = createClient(echo, parent)
    const error = await client.call.echo(make()).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(SerializationError)
    expect((error as Error).message).toMatch(why)
    expect(sent).toEqual([])
  })

  it('sends an error shared by two AggregateErrors once, then a marker: a graph of errors does not unfold into a tree', async () => {
    const shared = new TypeError('shared')
    const thrown = new AggregateError([new AggregateError([shared, shared], 'a'), new AggregateError([shared], 'b')], 'top')
    const { parent, child } = createMemoryChannelPair('json')
    closeAfterTest(parent)
    createRouter(echo, { echo: () => { throw thrown } }, child)
    const error = (await createClient(echo, parent).call.echo(1).catch((e: unknown) => e)) as AggregateError
    const [a, b] = error.errors as AggregateError[]
    expect((a?.errors[0] as Error).message).toBe('shared')
    expect([(a?.errors[1] as Error).message, (b?.errors[0] as Error).message]).toEqual([REPEATED_MESSAGE, REPEATED_MESSAGE])
  })
})
