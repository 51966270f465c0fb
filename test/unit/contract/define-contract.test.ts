import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { connect, defineContract, fork, procedure, type ContractWithoutHost, type Handlers, type Procedures } from '@forkrpc/core'
import { createClient, createRouter } from '@forkrpc/core/channel'
import { createMemoryChannelPair, createTestPair } from '@forkrpc/testing'
import { pairFor } from '../support.js'

const math = defineContract({
  add: procedure<{ a: number; b: number }, number>(),
  ping: procedure(),
})

describe('defineContract', () => {
  it('rejects a procedure named "then"', () => {
    expect(() => defineContract({ then: procedure() })).toThrow(TypeError)
    expect(() => defineContract({ add: procedure(), then: procedure() })).toThrow(/"then"/)
  })

  it.each([
    ['a number', 42],
    ['a string', 'procedure'],
    ['null', null],
    ['a function', () => 1],
    ['a look-alike object', { kind: 'not-a-procedure' }],
  ])('rejects a non-procedure value (%s), naming it', (_, value) => {
    expect(() => defineContract({ add: procedure(), bogus: value } as unknown as Procedures)).toThrow(TypeError)
    expect(() => defineContract({ add: procedure(), bogus: value } as unknown as Procedures)).toThrow(/"bogus"/)
  })

  it('rejects procedures that are not an object', () => {
    expect(() => defineContract(null as unknown as Procedures)).toThrow(TypeError)
  })

  it('rejects two error classes with the same name', () => {
    const first = class DuplicateError extends Error {}
    const second = class DuplicateError extends Error {}
    expect(() => defineContract({ add: procedure() }, { errors: [first, second] })).toThrow(TypeError)
    expect(() => defineContract({ add: procedure() }, { errors: [first, second] })).toThrow(/DuplicateError/)
  })

  it.each([
    ['a class that does not extend Error', class NotAnError {}],
    ['a plain object', { name: 'X' }],
    ['a string', 'TypeError'],
    ['an arrow function', () => new Error('x')],
  ])('rejects %s in errors', (_, entry) => {
    expect(() => defineContract({ add: procedure() }, { errors: [entry as unknown as typeof Error] })).toThrow(TypeError)
  })

  it('accepts Error subclasses, direct and indirect', () => {
    class Base extends Error {}
    class Derived extends Base {}
    class Typed extends TypeError {}
    expect(() => defineContract({ add: procedure() }, { errors: [Base, Derived, Typed] })).not.toThrow()
  })

  it('returns frozen data with the names sorted', () => {
    const contract = defineContract({ zeta: procedure(), alpha: procedure(), mid: procedure() })
    expect(contract.names).toEqual(['alpha', 'mid', 'zeta'])
    expect(Object.isFrozen(contract)).toBe(true)
    expect(Object.isFrozen(contract.procedures)).toBe(true)
    expect(Object.isFrozen(contract.names)).toBe(true)
  })

  it('is not affected by later changes to the object it was given', () => {
    const procedures: Record<string, ReturnType<typeof procedure>> = { add: procedure() }
    const contract = defineContract(procedures)
    procedures.sneaky = procedure()
    expect(Object.keys(contract.procedures)).toEqual(['add'])
    expect(contract.names).toEqual(['add'])
  })
})

describe('procedure', () => {
  it.each([
    ['input', { input: { parse: () => 1 } }],
    ['input', { input: 'z.number()' }],
    ['output', { output: { '~standard': {} } }],
    ['output', { output: 42 }],
  ])('rejects a %s option that is not a Standard Schema', (key, options) => {
    expect(() => procedure(options as never)).toThrow(TypeError)
    expect(() => procedure(options as never)).toThrow(new RegExp(key))
  })

  it.each([-1, -Infinity, Number.NaN, '100'])('rejects a timeout of %s', (timeout) => {
    expect(() => procedure({ timeout: timeout as number })).toThrow(TypeError)
    expect(() => procedure({ timeout: timeout as number })).toThrow(/timeout/)
  })

  it.each([0, 1, 5_000, Infinity])('accepts a timeout of %s', (timeout) => {
    expect(procedure({ timeout }).timeout).toBe(timeout)
  })

  it('rejects options that are not an object', () => {
    expect(() => procedure(null as never)).toThrow(TypeError)
  })

  it('accepts a zod schema and returns a frozen procedure', () => {
    const fib = procedure({ input: z.object({ n: z.number() }), output: z.number(), timeout: 10 })
    expect(fib.kind).toBe('procedure')
    expect(fib.timeout).toBe(10)
    expect(fib.input).toBeDefined()
    expect(fib.output).toBeDefined()
    expect(Object.isFrozen(fib)).toBe(true)
  })
})

describe('handlers for JavaScript callers', () => {
  const noop = () => {}

  it('createRouter throws a TypeError naming a missing handler', () => {
    const { child } = createMemoryChannelPair()
    const handlers = { add: () => 1 } as unknown as Handlers<typeof math>
    expect(() => createRouter(math, handlers, child)).toThrow(TypeError)
    expect(() => createRouter(math, handlers, child)).toThrow(/"ping"/)
  })

  it('createRouter throws a TypeError naming an unknown extra handler', () => {
    const { child } = createMemoryChannelPair()
    const handlers = { add: () => 1, ping: noop, pong: noop } as unknown as Handlers<typeof math>
    expect(() => createRouter(math, handlers, child)).toThrow(TypeError)
    expect(() => createRouter(math, handlers, child)).toThrow(/"pong"/)
  })

  it('createRouter throws when a handler is not a function', () => {
    const { child } = createMemoryChannelPair()
    const handlers = { add: 3, ping: noop } as unknown as Handlers<typeof math>
    expect(() => createRouter(math, handlers, child)).toThrow(/"add"/)
  })

  it('createTestPair throws a TypeError naming a missing handler, and an unknown one', () => {
    expect(() => createTestPair(math, { ping: noop } as unknown as Handlers<typeof math>)).toThrow(/"add"/)
    expect(() => createTestPair(math, { add: () => 1, ping: noop, extra: noop } as unknown as Handlers<typeof math>)).toThrow(/"extra"/)
  })

  it('createRouter rejects handlers that are not an object, and a contract not from defineContract', () => {
    const { child } = createMemoryChannelPair()
    expect(() => createRouter(math, null as unknown as Handlers<typeof math>, child)).toThrow(TypeError)
    expect(() => createRouter({ procedures: {} } as unknown as typeof math, {} as Handlers<typeof math>, child)).toThrow(TypeError)
  })

  it('a valid set of handlers works', async () => {
    const pair = pairFor(math, { add: ({ a, b }) => a + b, ping: noop })
    await expect(pair.call.add({ a: 2, b: 3 })).resolves.toBe(5)
    await expect(pair.call.ping()).resolves.toBeUndefined()
  })
})

describe('a contract that did not come from defineContract()', () => {
  it('is refused with a TypeError by fork(), connect(), createClient() and createTestPair()', async () => {
    const fake = { add: procedure<number, number>() } as unknown as ContractWithoutHost
    await expect(fork(fake, 'worker.js')).rejects.toThrow(/must come from defineContract\(\)/)
    await expect(connect(fake, {} as never)).rejects.toThrow(/must come from defineContract\(\)/)
    expect(() => createClient(fake, createMemoryChannelPair().parent)).toThrow(TypeError)
    expect(() => createTestPair(fake, {} as never)).toThrow(/must come from defineContract\(\)/)
  })
})
