import { describe, expect, it } from 'vitest'
import { defineContract, procedure } from '@forkrpc/core'
import { createClient, createRouter } from '@forkrpc/core/channel'
import { createMemoryChannelPair } from '@forkrpc/testing'
import { closeAfterTest, recorder, type RawMessage } from '../support.js'

// The json codec sends plain JSON data as it is (`v`) and only the rest through superjson
// (`x`): these tests look at the wire to see which way each value went, and check that
// nothing special is lost when it sits deep inside otherwise plain data.

const contract = defineContract({ echo: procedure<unknown, unknown>() })

function wiredPair() {
  const { parent, child } = createMemoryChannelPair('json')
  closeAfterTest(parent)
  createRouter(contract, { echo: (value) => value }, child)
  const client = createClient(contract, parent)
  return { call: client.call, requests: recorder(child), replies: recorder(parent) }
}

const records = (count: number) => Array.from({ length: count }, (_, id) => ({ id, name: `user ${id}`, active: id % 2 === 0, tags: ['a', 'b'], score: id / 3 }))

class Money {
  constructor(readonly cents: number) {}
  toJSON(): string {
    return `${this.cents / 100} EUR`
  }
}

describe('the json fast path', () => {
  const plain: Array<[string, unknown]> = [
    ['a tiny object', { a: 1, b: 2 }],
    ['records', { rows: records(50) }],
    ['nested arrays and nulls', [[1, [2, [null, 'x']]], { deep: { er: { still: [true, false] } } }]],
    ['a null-prototype object', Object.assign(Object.create(null) as object, { a: 1 })],
    ['strings, numbers, booleans', ['s', 0, 1.5, -3, true, false, null]],
  ]

  it.each(plain)('sends %s as plain JSON, without superjson, and gets it back equal', async (_, value) => {
    const pair = wiredPair()
    expect(await pair.call.echo(value)).toStrictEqual(JSON.parse(JSON.stringify(value)))
    const request = pair.requests.messages.find((m) => (m as RawMessage).t === 'q') as RawMessage
    const reply = pair.replies.messages.find((m) => (m as RawMessage).t === 'r') as RawMessage
    for (const message of [request, reply]) {
      expect(message).toHaveProperty('v')
      expect(message).not.toHaveProperty('x')
    }
  })

  const special: Array<[string, (rows: ReturnType<typeof records>) => unknown]> = [
    ['a Date', (rows) => ({ rows, at: new Date('2024-01-02T03:04:05.006Z') })],
    ['a Map', (rows) => ({ rows, index: new Map([[1, rows[1]]]) })],
    ['a Set', (rows) => ({ rows, seen: new Set(['a', 'b']) })],
    ['a BigInt', (rows) => ({ rows, big: 2n ** 80n })],
    ['an undefined property', (rows) => ({ rows, missing: undefined })],
    ['NaN and -0', (rows) => ({ rows, nan: Number.NaN, zero: -0 })],
    ['-0, Infinity and a hole in an array', (rows) => ({ rows, list: [1, -0, Number.POSITIVE_INFINITY, , 5] })], // eslint-disable-line no-sparse-arrays
  ]

  it.each(special)('keeps %s exact when it sits in the last record of otherwise plain data', async (_, make) => {
    const pair = wiredPair()
    const rows = records(40)
    const value = make(rows)
    // Deep inside: the last record of the list carries the special value.
    const nested = { rows: [...rows.slice(0, -1), { ...rows.at(-1), special: value }] }
    const back = (await pair.call.echo(nested)) as typeof nested
    expect(back).toStrictEqual(nested)
    const request = pair.requests.messages.find((m) => (m as RawMessage).t === 'q') as RawMessage
    expect(request).toHaveProperty('x')
    expect(request).not.toHaveProperty('v')
  })

  it('refuses data whose getter throws with a SerializationError naming the procedure, nothing sent', async () => {
    const pair = wiredPair()
    const value = {
      rows: records(3),
      get broken(): never {
        throw new Error('getter exploded')
      },
    }
    await expect(pair.call.echo(value)).rejects.toMatchObject({ name: 'SerializationError', message: expect.stringContaining('echo') })
    expect(pair.requests.messages.filter((m) => (m as RawMessage).t === 'q')).toHaveLength(0)
  })

  it('keeps an Error deep inside plain data an Error, with its class, message and code', async () => {
    const pair = wiredPair()
    const rows = records(40)
    const back = (await pair.call.echo({ rows, failure: Object.assign(new RangeError('out of range'), { code: 'E_RANGE' }) })) as { rows: unknown; failure: RangeError & { code: string } }
    expect(back.rows).toStrictEqual(rows)
    expect(back.failure).toBeInstanceOf(RangeError)
    expect(back.failure.message).toBe('out of range')
    expect(back.failure.code).toBe('E_RANGE')
  })

  it('sends plain and special values of one procedure each their own way, call after call', async () => {
    const pair = wiredPair()
    const values: unknown[] = [{ a: 1 }, { a: new Date(5) }, { a: [1, 2] }, { a: new Set([1]) }, { a: 'x' }, { a: undefined }]
    const back = await Promise.all(values.map((value) => pair.call.echo(value)))
    expect(back).toStrictEqual(values)
    const fields = pair.requests.messages.filter((m) => (m as RawMessage).t === 'q').map((m) => ('x' in (m as object) ? 'x' : 'v'))
    expect(fields).toEqual(['v', 'x', 'v', 'x', 'v', 'x'])
  })

  it('sends an object with toJSON() as plain JSON (JSON calls toJSON), not through superjson', async () => {
    const pair = wiredPair()
    expect(await pair.call.echo({ price: new Money(1250) })).toEqual({ price: '12.5 EUR' })
    const request = pair.requests.messages.find((m) => (m as RawMessage).t === 'q') as RawMessage
    expect(request).toHaveProperty('v')
  })
})
