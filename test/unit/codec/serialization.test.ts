import { describe, expect, it } from 'vitest'
import { defineContract, procedure, SerializationError, type Serialization } from '@forkrpc/core'
import { pairFor } from '../support.js'

const contract = defineContract({
  echo: procedure<unknown, unknown>(),
  give: procedure<string, unknown>(),
  add: procedure<{ a: number; b: number }, number>(),
})

const unencodable: Record<string, () => unknown> = {
  function: () => ({ deep: { fn: () => 1 } }),
  symbol: () => ({ deep: { fn: Symbol('nope') } }),
}

function makePair(serialization: Serialization) {
  return pairFor(
    contract,
    {
      echo: (value) => value,
      give: (kind) => unencodable[kind]?.(),
      add: ({ a, b }) => a + b,
    },
    { serialization },
  )
}

describe.each(['json', 'advanced'] as const)('on the %s channel', (serialization) => {
  const cases: Array<[string, unknown]> = [
    ['a Date', new Date('2024-02-29T12:34:56.789Z')],
    ['a Map', new Map<unknown, unknown>([['a', 1], [2, { b: [3] }]])],
    ['a Set', new Set([1, 'two', 3])],
    ['a BigInt', 2n ** 70n],
    ['a RegExp', /a+b?c/gi],
    ['undefined', undefined],
    ['NaN', Number.NaN],
    ['Infinity', Number.POSITIVE_INFINITY],
    ['-Infinity', Number.NEGATIVE_INFINITY],
    ['null', null],
    ['a string', 'héllo ✓'],
    ['a boolean', false],
    ['a number', 1.5],
    ['an array', [1, 'a', null, [2, [3]], { b: true }]],
    ['nested objects', { a: { b: { c: { d: 'deep' } } }, e: [] }],
    [
      'special values nested',
      {
        when: new Date(0),
        tags: new Set(['x']),
        index: new Map([['k', new Date(1)]]),
        big: 10n,
        re: /x/m,
        missing: undefined,
        nan: Number.NaN,
        inf: Number.POSITIVE_INFINITY,
        list: [undefined, Number.NaN, 1n, null],
      },
    ],
  ]

  it.each(cases)('round trips %s exactly', async (_, value) => {
    const pair = makePair(serialization)
    const back = await pair.call.echo(value)
    expect(back).toStrictEqual(value)
  })

  it('round trips -0 (top level and nested)', async () => {
    const pair = makePair(serialization)
    expect(Object.is(await pair.call.echo(-0), -0)).toBe(true)
    const nested = (await pair.call.echo({ zero: -0, list: [-0] })) as { zero: number; list: number[] }
    expect(Object.is(nested.zero, -0)).toBe(true)
    expect(Object.is(nested.list[0], -0)).toBe(true)
  })

  it('keeps a nested undefined as an own property', async () => {
    const pair = makePair(serialization)
    const back = (await pair.call.echo({ a: undefined, b: 1 })) as Record<string, unknown>
    expect(Object.hasOwn(back, 'a')).toBe(true)
    expect(back.a).toBeUndefined()
    expect(back.b).toBe(1)
  })

  it('keeps the holes of a sparse array, and what is around them', async () => {
    const pair = makePair(serialization)
    const back = (await pair.call.echo([1, , new Date(0), , undefined])) as unknown[]
    expect(back).toHaveLength(5)
    expect(1 in back).toBe(false)
    expect(3 in back).toBe(false)
    expect(4 in back).toBe(true)
    expect(back[2]).toEqual(new Date(0))
  })

  it('keeps every typed array bit for bit, BigInt64Array and NaN / -0 in a Float64Array too', async () => {
    const pair = makePair(serialization)
    const values = [new BigInt64Array([-(2n ** 63n), 1n]), new BigUint64Array([2n ** 64n - 1n]), new Float64Array([Number.NaN, -0, Infinity]), new Int16Array([-1, 2])]
    const back = (await pair.call.echo(values)) as unknown[]
    expect(back).toEqual(values)
    expect(Object.is((back[2] as Float64Array)[1], -0)).toBe(true)
    expect(back[0]).toBeInstanceOf(BigInt64Array)
  })

  it('round trips a Uint8Array', async () => {
    const pair = makePair(serialization)
    const back = await pair.call.echo(new Uint8Array([0, 1, 254, 255]))
    expect(back).toBeInstanceOf(Uint8Array)
    expect([...(back as Uint8Array)]).toEqual([0, 1, 254, 255])
  })

  it.each(Object.keys(unencodable))('rejects an input holding a %s with SerializationError naming its path, and keeps working', async (kind) => {
    const pair = makePair(serialization)
    const error = (await pair.call.echo(unencodable[kind]?.()).catch((e: unknown) => e)) as SerializationError
    expect(error).toBeInstanceOf(SerializationError)
    expect(error.code).toBe('ERR_FORKRPC_SERIALIZATION')
    expect(error.procedure).toBe('echo')
    expect(error.message).toContain('"echo"')
    expect(error.message).toContain('deep.fn')
    await expect(pair.call.add({ a: 1, b: 2 })).resolves.toBe(3)
  })

  it.each(['function', 'symbol'])('rejects a top-level %s input with SerializationError', async (kind) => {
    const pair = makePair(serialization)
    const value = kind === 'function' ? () => 1 : Symbol('top')
    await expect(pair.call.echo(value)).rejects.toMatchObject({ name: 'SerializationError', code: 'ERR_FORKRPC_SERIALIZATION' })
    await expect(pair.call.add({ a: 1, b: 2 })).resolves.toBe(3)
  })

  it.each(Object.keys(unencodable))('rejects with SerializationError when the handler returns a %s, and keeps working', async (kind) => {
    const pair = makePair(serialization)
    const error = (await pair.call.give(kind).catch((e: unknown) => e)) as SerializationError
    expect(error).toBeInstanceOf(SerializationError)
    expect(error.code).toBe('ERR_FORKRPC_SERIALIZATION')
    expect(error.message).toContain('"give"')
    expect(pair.inFlight).toBe(0)
    await expect(pair.call.add({ a: 1, b: 2 })).resolves.toBe(3)
  })
})

describe('on the json channel', () => {
  it('rejects a cycle with SerializationError and keeps working', async () => {
    const pair = makePair('json')
    const cyclic: Record<string, unknown> = { name: 'loop' }
    cyclic.self = { again: cyclic }
    const error = (await pair.call.echo(cyclic).catch((e: unknown) => e)) as SerializationError
    expect(error).toBeInstanceOf(SerializationError)
    expect(error.code).toBe('ERR_FORKRPC_SERIALIZATION')
    expect(error.message).toMatch(/circular/)
    expect(error.message).toContain('self.again')
    await expect(pair.call.add({ a: 1, b: 2 })).resolves.toBe(3)
  })

  it.each([
    ['WeakMap', () => new WeakMap()],
    ['WeakSet', () => new WeakSet()],
    ['WeakRef', () => new WeakRef({})],
  ])('rejects a %s (which JSON would send as {}, silently empty) with SerializationError naming where it is', async (kind, make) => {
    const pair = makePair('json')
    const error = (await pair.call.echo({ cache: { entries: make() } }).catch((e: unknown) => e)) as SerializationError
    expect(error).toBeInstanceOf(SerializationError)
    expect(error.message).toContain(`a ${kind} (its entries cannot be read) at cache.entries`)
    await expect(pair.call.add({ a: 1, b: 2 })).resolves.toBe(3)
  })

  it('carries a value that is seen twice but is not a cycle', async () => {
    const pair = makePair('json')
    const shared = { n: 1 }
    await expect(pair.call.echo({ a: shared, b: shared, list: [shared, shared] })).resolves.toStrictEqual({ a: { n: 1 }, b: { n: 1 }, list: [{ n: 1 }, { n: 1 }] })
  })

  it('carries BigInt (which JSON alone cannot)', async () => {
    const pair = makePair('json')
    expect(await pair.call.echo(123n)).toBe(123n)
    expect(await pair.call.echo({ big: -(2n ** 64n) })).toStrictEqual({ big: -(2n ** 64n) })
  })

  it('carries a Buffer, which Node sends as bytes', async () => {
    const pair = makePair('json')
    const back = await pair.call.echo(Buffer.from('bytes'))
    expect(ArrayBuffer.isView(back)).toBe(true)
    expect(Buffer.from(back as Uint8Array).toString()).toBe('bytes')
  })
})

describe('on the advanced channel', () => {
  it('refuses a value nested too deeply to clone with a SerializationError, both ways, and serves on', async () => {
    const nested = (depth: number): unknown => {
      let value: unknown = 1
      for (let i = 0; i < depth; i++) value = [value]
      return value
    }
    // The serializer overflows the stack on it, and so did the walk that looks for the culprit to name.
    const pair = pairFor(contract, { echo: (value) => value, give: () => nested(100_000), add: ({ a, b }) => a + b }, { serialization: 'advanced' })
    for (const call of [() => pair.call.echo(nested(100_000)), () => pair.call.give('deep')]) {
      const error = await call().catch((e: unknown) => e)
      expect(error).toBeInstanceOf(SerializationError)
      expect((error as Error).message).toMatch(/^Cannot send the (input of "echo"|result of "give"): it is nested too deeply to encode$/)
    }
    expect(await pair.call.add({ a: 1, b: 2 })).toBe(3)
  })

  it('round trips a Buffer as a Buffer', async () => {
    const pair = makePair('advanced')
    const back = await pair.call.echo(Buffer.from('bytes'))
    expect(Buffer.isBuffer(back)).toBe(true)
    expect((back as Buffer).toString()).toBe('bytes')
  })

  it('round trips a cycle', async () => {
    const pair = makePair('advanced')
    const cyclic: Record<string, unknown> = { name: 'loop' }
    cyclic.self = cyclic
    const back = (await pair.call.echo(cyclic)) as Record<string, unknown>
    expect(back.name).toBe('loop')
    expect(back.self).toBe(back)
  })
})

describe('objects that say how to be sent', () => {
  it('sends an object with toJSON() as its toJSON() result on json, as JSON would', async () => {
    class Money {
      constructor(readonly cents: number) {}
      toJSON(): string {
        return `${(this.cents / 100).toFixed(2)} EUR`
      }
    }
    const pair = makePair('json')
    expect(await pair.call.echo({ price: new Money(1234), when: new Date(0) })).toEqual({ price: '12.34 EUR', when: new Date(0) })
  })
})

describe('Errors inside values (not thrown) on the json channel', () => {
  class QuotaError extends Error {
    constructor(
      message: string,
      readonly limit: number,
    ) {
      super(message)
    }
  }
  const withErrors = defineContract({ settle: procedure<number[], unknown[]>() }, { errors: [QuotaError] })

  it('come back with their class, code, cause and properties, as thrown errors do', async () => {
    const pair = pairFor(withErrors, {
      settle: async (limits) =>
        Promise.allSettled(
          limits.map(async (limit) => {
            if (limit > 1) throw new QuotaError(`over ${limit}`, limit)
            throw Object.assign(new RangeError('too small', { cause: new TypeError('inner') }), { code: 'E_SMALL', when: new Date(0) })
          }),
        ),
    })
    const [small, big] = (await pair.call.settle([1, 5])) as Array<PromiseRejectedResult>
    expect(small?.reason).toBeInstanceOf(RangeError)
    expect(small?.reason).toMatchObject({ message: 'too small', code: 'E_SMALL', when: new Date(0) })
    expect((small?.reason as Error).cause).toBeInstanceOf(TypeError)
    expect(big?.reason).toBeInstanceOf(QuotaError)
    expect(big?.reason).toMatchObject({ message: 'over 5', limit: 5 })
  })
})
