import { inspect } from 'node:util'
import { describe, expect, it, vi } from 'vitest'
import { ChannelClosedError, defineContract, procedure } from '@forkrpc/core'
import { pairFor } from '../support.js'

const contract = defineContract({
  add: procedure<{ a: number; b: number }, number>(),
  addLater: procedure<{ a: number; b: number }, number>(),
  echo: procedure<unknown, unknown>(),
  ping: procedure(),
})

function handlers() {
  return {
    add: vi.fn(({ a, b }: { a: number; b: number }) => a + b),
    addLater: async ({ a, b }: { a: number; b: number }) => {
      await new Promise((resolve) => setImmediate(resolve))
      return a + b
    },
    echo: (value: unknown) => value,
    ping: vi.fn((..._args: unknown[]) => {}),
  }
}

describe('calls', () => {
  it('returns the result of a sync handler', async () => {
    const pair = pairFor(contract, handlers())
    await expect(pair.call.add({ a: 1, b: 2 })).resolves.toBe(3)
  })

  it('returns the result of an async handler', async () => {
    const pair = pairFor(contract, handlers())
    await expect(pair.call.addLater({ a: 20, b: 22 })).resolves.toBe(42)
  })

  it('resolves 1,000 calls in flight at once, each with its own result', async () => {
    const pair = pairFor(contract, handlers())
    const calls = Array.from({ length: 1_000 }, (_, i) => (i % 2 === 0 ? pair.call.add({ a: i, b: i }) : pair.call.addLater({ a: i, b: 1 })))
    const results = await Promise.all(calls)
    expect(results).toEqual(Array.from({ length: 1_000 }, (_, i) => (i % 2 === 0 ? 2 * i : i + 1)))
  })

  it('passes the input to the handler as it was given', async () => {
    const h = handlers()
    const pair = pairFor(contract, h)
    await pair.call.add({ a: 5, b: 6 })
    expect(h.add).toHaveBeenCalledTimes(1)
    expect(h.add.mock.calls[0]?.[0]).toEqual({ a: 5, b: 6 })
  })

  it("gives the handler a context naming the procedure, with a distinct id per call", async () => {
    const contexts: Array<{ procedure: string; id: string; signal: AbortSignal }> = []
    const pair = pairFor(contract, {
      ...handlers(),
      echo: (value, ctx) => {
        contexts.push({ procedure: ctx.procedure, id: ctx.id, signal: ctx.signal })
        return value
      },
    })
    await Promise.all([pair.call.echo(1), pair.call.echo(2)])
    expect(contexts.map((ctx) => ctx.procedure)).toEqual(['echo', 'echo'])
    expect(typeof contexts[0]?.id).toBe('string')
    expect(contexts[0]?.id).not.toBe(contexts[1]?.id)
    expect(contexts[0]?.signal).toBeInstanceOf(AbortSignal)
    expect(contexts[0]?.signal.aborted).toBe(false)
  })

  it('calls a procedure with void input with no argument', async () => {
    const h = handlers()
    const pair = pairFor(contract, h)
    await expect(pair.call.ping()).resolves.toBeUndefined()
    expect(h.ping).toHaveBeenCalledTimes(1)
    expect(h.ping.mock.calls[0]?.[0]).toBeUndefined()
  })
})

describe('the call object', () => {
  it('holds exactly the procedures of the contract', () => {
    const pair = pairFor(contract, handlers())
    expect(Object.keys(pair.call).sort()).toEqual(['add', 'addLater', 'echo', 'ping'])
    for (const name of Object.keys(pair.call)) expect(typeof (pair.call as unknown as Record<string, unknown>)[name]).toBe('function')
  })

  it('is not thenable, so awaiting it gives it back', async () => {
    const pair = pairFor(contract, handlers())
    expect('then' in pair.call).toBe(false)
    expect(await Promise.resolve(pair.call)).toBe(pair.call)
    const awaited: unknown = await (pair.call as unknown as Promise<unknown>)
    expect(awaited).toBe(pair.call)
  })

  it('has nothing but the procedures: no then, toJSON, constructor or made-up names', () => {
    const pair = pairFor(contract, handlers())
    const loose = pair.call as unknown as Record<string, unknown>
    expect(loose.then).toBeUndefined()
    expect(loose.toJSON).toBeUndefined()
    expect(loose.constructor).toBeUndefined()
    expect(loose.toString).toBeUndefined()
    expect(loose.ad).toBeUndefined()
    expect(loose.notAProcedure).toBeUndefined()
  })

  it('can be JSON.stringify-ed and inspected', () => {
    const pair = pairFor(contract, handlers())
    expect(JSON.stringify(pair.call)).toBe('{}')
    let text = ''
    expect(() => (text = inspect(pair.call))).not.toThrow()
    expect(text).toContain('add')
    expect(() => String(Object.keys(pair.call))).not.toThrow()
  })

  it('cannot be changed', () => {
    const pair = pairFor(contract, handlers())
    const loose = pair.call as unknown as Record<string, unknown>
    expect(Object.isFrozen(pair.call)).toBe(true)
    expect(() => {
      loose.add = () => 0
    }).toThrow(TypeError)
  })
})

describe('a call never throws synchronously', () => {
  /** Calls `make` and checks that it returned (did not throw) a promise. */
  function callOf(make: () => Promise<unknown>): Promise<unknown> {
    let result: unknown
    expect(() => {
      result = make()
    }).not.toThrow()
    expect(result).toBeInstanceOf(Promise)
    return result as Promise<unknown>
  }

  it('rejects when options.signal is not an AbortSignal', async () => {
    const h = handlers()
    const pair = pairFor(contract, h)
    const call = callOf(() => pair.call.add({ a: 1, b: 2 }, { signal: { aborted: false } as unknown as AbortSignal }))
    await expect(call).rejects.toBeInstanceOf(TypeError)
    await expect(call).rejects.toThrow(/signal/)
    expect(h.add).not.toHaveBeenCalled()
  })

  it.each([-1, Number.NaN, '10' as unknown as number])('rejects a timeout of %s', async (timeout) => {
    const h = handlers()
    const pair = pairFor(contract, h)
    const call = callOf(() => pair.call.add({ a: 1, b: 2 }, { timeout }))
    await expect(call).rejects.toBeInstanceOf(TypeError)
    await expect(call).rejects.toThrow(/timeout/)
    expect(h.add).not.toHaveBeenCalled()
  })

  it('rejects with ChannelClosedError after the pair is closed', async () => {
    const h = handlers()
    const pair = pairFor(contract, h)
    await pair.close()
    const call = callOf(() => pair.call.add({ a: 1, b: 2 }))
    await expect(call).rejects.toBeInstanceOf(ChannelClosedError)
    await expect(call).rejects.toMatchObject({ code: 'ERR_FORKRPC_CHANNEL_CLOSED', procedure: 'add' })
    expect(h.add).not.toHaveBeenCalled()
  })

  it('rejects after the pair is disposed, and closing twice is harmless', async () => {
    const pair = pairFor(contract, handlers())
    await pair[Symbol.asyncDispose]()
    await expect(pair.close()).resolves.toBeUndefined()
    await expect(pair.call.ping()).rejects.toBeInstanceOf(ChannelClosedError)
  })

  it('rejects a call in flight with ChannelClosedError when the pair closes', async () => {
    const pair = pairFor(contract, { ...handlers(), addLater: () => new Promise<number>(() => {}) })
    const call = pair.call.addLater({ a: 1, b: 2 })
    await new Promise((resolve) => setImmediate(resolve))
    await pair.close()
    await expect(call).rejects.toBeInstanceOf(ChannelClosedError)
  })

  it('rejects, and keeps working, when the input cannot be sent', async () => {
    const pair = pairFor(contract, handlers())
    const call = callOf(() => pair.call.echo({ fn: () => 1 }))
    await expect(call).rejects.toMatchObject({ code: 'ERR_FORKRPC_SERIALIZATION' })
    await expect(pair.call.add({ a: 2, b: 2 })).resolves.toBe(4)
  })
})
