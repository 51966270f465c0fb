/**
 * Type tests: checked by `tsc -p tsconfig.json --noEmit` (each `@ts-expect-error` must
 * have an error under it) and run by vitest (the runtime assertions at the end).
 */
import { describe, expect, expectTypeOf, it } from 'vitest'
import { z } from 'zod'
import {
  defineContract,
  procedure,
  type CallOptions,
  type Client,
  type Handler,
  type HandlerContext,
  type Handlers,
  type Procedure,
} from '@forkrpc/core'
import { createTestPair, type TestPair } from '@forkrpc/testing'
import { pairFor } from '../support.js'

const fibInput = z.object({ n: z.number().int().min(0) })
const lengthInput = z.string().transform((s) => s.length)
const labelOutput = z.number().transform((n) => `#${n}`)

const contract = defineContract({
  add: procedure<{ a: number; b: number }, number>(),
  ping: procedure(),
  maybe: procedure<{ x: number } | undefined, string>(),
  fib: procedure({ input: fibInput, output: z.number() }),
  length: procedure({ input: lengthInput, output: labelOutput }),
})

type C = typeof contract

const handlers: Handlers<C> = {
  add: ({ a, b }, ctx) => {
    expectTypeOf(ctx).toEqualTypeOf<HandlerContext<C['events'], C['host']>>()
    expectTypeOf(ctx.signal).toEqualTypeOf<AbortSignal>()
    expectTypeOf(ctx.procedure).toEqualTypeOf<string>()
    return a + b
  },
  ping: () => {},
  maybe: async (input) => `x=${input?.x ?? 'none'}`,
  fib: ({ n }) => n,
  length: (n) => {
    expectTypeOf(n).toEqualTypeOf<number>()
    return n * 2
  },
}

/** Never called: these lines only have to type-check (or fail to, where expected). */
function compileTimeOnly(pair: TestPair<C>): void {
  // --- the client ---
  expectTypeOf(pair.call.add).returns.toEqualTypeOf<Promise<number>>()
  expectTypeOf(pair.call.add).parameter(0).toEqualTypeOf<{ a: number; b: number }>()
  expectTypeOf(pair.call.add).parameter(1).toEqualTypeOf<CallOptions | undefined>()
  expectTypeOf(pair.call).toEqualTypeOf<Client<C>>()
  expectTypeOf<keyof Client<C>>().toEqualTypeOf<'add' | 'ping' | 'maybe' | 'fib' | 'length'>()

  void pair.call.add({ a: 1, b: 2 })
  void pair.call.add({ a: 1, b: 2 }, { timeout: 5, signal: AbortSignal.timeout(10) })
  // @ts-expect-error: a wrong field
  void pair.call.add({ a: 1, c: 2 })
  // @ts-expect-error: a field of the wrong type
  void pair.call.add({ a: 1, b: '2' })
  // @ts-expect-error: a missing field
  void pair.call.add({ a: 1 })
  // @ts-expect-error: required input cannot be left out
  void pair.call.add()
  // @ts-expect-error: options must be CallOptions
  void pair.call.add({ a: 1, b: 2 }, { timeout: '5' })

  // void input: callable with no argument
  void pair.call.ping()
  expectTypeOf(pair.call.ping).returns.toEqualTypeOf<Promise<void>>()
  // input that may be undefined is optional too
  void pair.call.maybe()
  void pair.call.maybe({ x: 1 })
  // @ts-expect-error: but it is still checked when given
  void pair.call.maybe({ y: 1 })

  // @ts-expect-error: not a procedure of the contract
  void pair.call.notAProcedure
  // @ts-expect-error: the client holds nothing but the procedures
  void pair.call.then
  // @ts-expect-error: the client is read-only
  pair.call.add = pair.call.add

  // --- schemas: z.input for the call, z.output for the caller's result ---
  expectTypeOf(pair.call.fib).parameter(0).toEqualTypeOf<{ n: number }>()
  expectTypeOf(pair.call.fib).returns.toEqualTypeOf<Promise<number>>()
  expectTypeOf(pair.call.length).parameter(0).toEqualTypeOf<z.input<typeof lengthInput>>()
  expectTypeOf(pair.call.length).parameter(0).toEqualTypeOf<string>()
  expectTypeOf(pair.call.length).returns.toEqualTypeOf<Promise<z.output<typeof labelOutput>>>()
  expectTypeOf(pair.call.length).returns.toEqualTypeOf<Promise<string>>()
  // @ts-expect-error: the call takes the schema's input type (a string), not its output
  void pair.call.length(3)
  // @ts-expect-error: fib's input is checked against the schema's type
  void pair.call.fib({ n: '3' })

  // --- handlers: z.output of the input schema in, z.input of the output schema out ---
  expectTypeOf<Parameters<Handler<C['procedures']['length']>>[0]>().toEqualTypeOf<z.output<typeof lengthInput>>()
  expectTypeOf<Parameters<Handler<C['procedures']['length']>>[0]>().toEqualTypeOf<number>()
  expectTypeOf<ReturnType<Handler<C['procedures']['length']>>>().toEqualTypeOf<number | PromiseLike<number>>()
  expectTypeOf<Parameters<Handler<C['procedures']['add']>>[1]>().toEqualTypeOf<HandlerContext>()
  expectTypeOf<HandlerContext['signal']>().toEqualTypeOf<AbortSignal>()
  expectTypeOf(contract.procedures.add).toEqualTypeOf<Procedure<{ a: number; b: number }, number>>()

  const good = { add: () => 1, ping: () => {}, maybe: () => '', fib: () => 1, length: () => 1 }
  createTestPair(contract, good)

  // @ts-expect-error: a missing handler
  createTestPair(contract, { add: () => 1, ping: () => {}, maybe: () => '', fib: () => 1 })
  // @ts-expect-error: a handler for a procedure that is not in the contract
  createTestPair(contract, { ...good, unknown: () => 1 })
  // @ts-expect-error: a handler returning the wrong type
  createTestPair(contract, { ...good, add: () => 'three' })
  // @ts-expect-error: an async handler resolving to the wrong type
  createTestPair(contract, { ...good, add: async () => 'three' })
  // @ts-expect-error: a schema handler must return the output schema's input type (a number)
  createTestPair(contract, { ...good, length: () => '#1' })
  // @ts-expect-error: a handler taking the wrong input type
  createTestPair(contract, { ...good, add: (input: string) => input.length })

  const missing: Handlers<C> = {
    ...good,
    // @ts-expect-error: the handler's input is the schema's parsed value, a number, not a string
    length: (input: string) => input.length,
  }
  void missing
}

describe('types', () => {
  it('are checked by tsc; the typed pair also works at runtime', async () => {
    expect(typeof compileTimeOnly).toBe('function')
    const pair = pairFor(contract, handlers)
    const sum: number = await pair.call.add({ a: 1, b: 2 })
    expect(sum).toBe(3)
    const label: string = await pair.call.length('four')
    expect(label).toBe('#8')
    await expect(pair.call.ping()).resolves.toBeUndefined()
    await expect(pair.call.maybe()).resolves.toBe('x=none')
    await expect(pair.call.fib({ n: 4 })).resolves.toBe(4)
  })
})
