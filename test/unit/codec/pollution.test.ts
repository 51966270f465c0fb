/**
 * Prototype pollution: payloads with `__proto__`, `constructor` and `prototype` keys, and
 * procedures with those names, on both sides and both channels. The keys arrive as plain
 * own data, no prototype changes, and nothing but the named handler runs.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { defineContract, procedure, type Serialization } from '@forkrpc/core'
import { pairFor } from '../support.js'

const hostile = (): Record<string, unknown> =>
  JSON.parse('{"__proto__": {"polluted": "yes"}, "constructor": {"prototype": {"polluted": "yes"}}, "prototype": {"polluted": "yes"}, "nested": [{"__proto__": {"polluted": "yes"}}]}') as Record<string, unknown>

function polluted(): unknown[] {
  return [({} as Record<string, unknown>).polluted, ([] as unknown as Record<string, unknown>).polluted, (Object as unknown as Record<string, unknown>).polluted, (new Map() as unknown as Record<string, unknown>).polluted]
}

afterEach(() => {
  expect(polluted()).toEqual([undefined, undefined, undefined, undefined])
})

const contract = defineContract({
  echo: procedure<unknown, unknown>(),
  ['__proto__']: procedure<unknown, string>(),
  constructor: procedure<unknown, string>(),
  prototype: procedure<unknown, string>(),
})

describe.each<Serialization>(['json', 'advanced'])('on %s', (serialization) => {
  const handlers = {
    echo: (value: unknown) => value,
    ['__proto__']: () => 'proto handler',
    constructor: () => 'constructor handler',
    prototype: () => 'prototype handler',
  }

  it('carries __proto__, constructor and prototype keys as own data, in the input and in the result', async () => {
    const pair = pairFor(contract, handlers, { serialization })
    const back = (await pair.call.echo(hostile())) as Record<string, unknown>
    expect(Object.getPrototypeOf(back)).toBe(Object.prototype)
    expect(Object.hasOwn(back, '__proto__')).toBe(true)
    expect(Object.getOwnPropertyDescriptor(back, '__proto__')?.value).toEqual({ polluted: 'yes' })
    expect(back.polluted).toBeUndefined()
    expect((back.nested as Array<Record<string, unknown>>)[0]?.polluted).toBeUndefined()
    expect(back.constructor).toEqual({ prototype: { polluted: 'yes' } })
  })

  it('does the same inside values that need superjson (beside a Date, in a Map)', async () => {
    const pair = pairFor(contract, handlers, { serialization })
    const sent = { when: new Date(0), map: new Map([['__proto__', hostile()]]), list: [hostile(), 1n], ...hostile() } // spread defines own keys
    const back = (await pair.call.echo(sent)) as Record<string, unknown>
    expect(back.when).toEqual(new Date(0))
    expect(Object.getPrototypeOf(back)).toBe(Object.prototype)
    expect(Object.getOwnPropertyDescriptor(back, '__proto__')?.value).toEqual({ polluted: 'yes' })
    expect(back.constructor).toEqual({ prototype: { polluted: 'yes' } })
    expect(back.polluted).toBeUndefined()
    const inMap = (back.map as Map<string, Record<string, unknown>>).get('__proto__')
    expect(inMap && Object.hasOwn(inMap, '__proto__')).toBe(true)
    expect((back.list as unknown[])[1]).toBe(1n)
  })

  it('keeps a thrown error\'s own __proto__ and constructor properties as data', async () => {
    const pair = pairFor(contract, { ...handlers, prototype: () => { throw Object.defineProperties(new Error('hostile'), { ['__proto__']: { value: { polluted: 'yes' }, enumerable: true }, constructor: { value: 'not a function', enumerable: true } }) } }, { serialization })
    const error = (await pair.call.prototype(1).catch((e: unknown) => e)) as Record<string, unknown>
    expect(error).toBeInstanceOf(Error)
    expect(error.message).toBe('hostile')
    expect(Object.getOwnPropertyDescriptor(error, '__proto__')?.value).toEqual({ polluted: 'yes' })
    expect(error.constructor).toBe('not a function')
  })

  it('serves procedures named __proto__, constructor and prototype as ordinary procedures', async () => {
    const pair = pairFor(contract, handlers, { serialization })
    expect(await pair.call['__proto__'](hostile())).toBe('proto handler')
    expect(await pair.call.constructor(hostile())).toBe('constructor handler')
    expect(await pair.call.prototype(hostile())).toBe('prototype handler')
    expect(await pair.call.echo(1)).toBe(1)
  })
})
