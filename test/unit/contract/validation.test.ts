import { describe, expect, it, vi } from 'vitest'
import { z } from 'zod'
import { defineContract, procedure, ValidationError } from '@forkrpc/core'
import { createClient, createRouter, PROTOCOL_VERSION } from '@forkrpc/core/channel'
import { createMemoryChannelPair } from '@forkrpc/testing'
import { closeAfterTest, pairFor, recorder, replyPayload } from '../support.js'

const contract = defineContract({
  fib: procedure({ input: z.object({ n: z.number().int().min(0) }), output: z.number() }),
  length: procedure({ input: z.string().transform((s) => s.length), output: z.number() }),
  stringify: procedure({ input: z.number(), output: z.number().transform((n) => `#${n}`) }),
  broken: procedure({ output: z.number() }),
  nested: procedure({ input: z.object({ user: z.object({ tags: z.array(z.string()) }) }) }),
})

function makeHandlers() {
  return {
    fib: vi.fn(({ n }: { n: number }) => {
      let [x, y] = [0, 1]
      for (let i = 0; i < n; i++) [x, y] = [y, x + y]
      return x
    }),
    length: vi.fn((n: number) => n),
    stringify: vi.fn((n: number) => n * 2),
    broken: vi.fn(() => 'not a number' as unknown as number),
    nested: vi.fn(() => {}),
  }
}

/** A client and router linked by a memory channel whose parent `send` is spied on. */
function linked() {
  const { parent, child } = createMemoryChannelPair('json')
  closeAfterTest(parent)
  const handlers = makeHandlers()
  createRouter(contract, handlers, child)
  const send = vi.spyOn(parent, 'send')
  const client = createClient(contract, parent)
  const requests = () => send.mock.calls.map(([message]) => message as Record<string, unknown>).filter((message) => message.t === 'q')
  return { client, handlers, requests }
}

async function validationErrorOf(call: Promise<unknown>): Promise<ValidationError> {
  const error = await call.then(
    () => {
      throw new Error('the call resolved; it should have failed validation')
    },
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(ValidationError)
  return error as ValidationError
}

describe('input validation in the parent', () => {
  it('rejects bad input with ValidationError before anything is sent', async () => {
    const { client, handlers, requests } = linked()
    const error = await validationErrorOf(client.call.fib({ n: -1 }))
    expect(error.direction).toBe('input')
    expect(error.code).toBe('ERR_FORKRPC_VALIDATION')
    expect(error.procedure).toBe('fib')
    expect(error.issues.length).toBeGreaterThan(0)
    expect(error.issues[0]?.path).toEqual(['n'])
    expect(typeof error.issues[0]?.message).toBe('string')
    expect(error.message).toContain('"fib"')
    expect(error.message).toContain('n: ')
    expect(requests()).toEqual([])
    // The pair still works, and the good call is the only one that was sent.
    await expect(client.call.fib({ n: 10 })).resolves.toBe(55)
    expect(requests()).toHaveLength(1)
    expect(handlers.fib).toHaveBeenCalledTimes(1)
  })

  it('reports the path of a nested issue', async () => {
    const { client, handlers, requests } = linked()
    const error = await validationErrorOf(client.call.nested({ user: { tags: ['ok', 3 as unknown as string] } }))
    expect(error.issues[0]?.path).toEqual(['user', 'tags', 1])
    expect(error.message).toContain('user.tags.1')
    expect(requests()).toEqual([])
    expect(handlers.nested).not.toHaveBeenCalled()
  })

  it('rejects input of the wrong type entirely', async () => {
    const pair = pairFor(contract, makeHandlers())
    const error = await validationErrorOf(pair.call.fib('ten' as unknown as { n: number }))
    expect(error.direction).toBe('input')
  })
})

describe('parsed values', () => {
  it('hands the handler the schema-parsed input', async () => {
    const handlers = makeHandlers()
    const pair = pairFor(contract, handlers)
    await expect(pair.call.length('hello')).resolves.toBe(5)
    expect(handlers.length).toHaveBeenCalledTimes(1)
    expect(handlers.length.mock.calls[0]?.[0]).toBe(5)
  })

  it('strips what the input schema strips before the handler sees it', async () => {
    const handlers = makeHandlers()
    const pair = pairFor(contract, handlers)
    await expect(pair.call.fib({ n: 3, extra: 'dropped' } as { n: number })).resolves.toBe(2)
    expect(handlers.fib.mock.calls[0]?.[0]).toEqual({ n: 3 })
  })

  it('gives the caller the output schema-parsed result', async () => {
    const handlers = makeHandlers()
    const pair = pairFor(contract, handlers)
    await expect(pair.call.stringify(21)).resolves.toBe('#42')
  })
})

describe('output validation', () => {
  it("rejects the handler's bad output with ValidationError direction 'output'", async () => {
    const handlers = makeHandlers()
    const pair = pairFor(contract, handlers)
    const error = await validationErrorOf(pair.call.broken())
    expect(error.direction).toBe('output')
    expect(error.procedure).toBe('broken')
    expect(error.code).toBe('ERR_FORKRPC_VALIDATION')
    expect(error.issues.length).toBeGreaterThan(0)
    expect(handlers.broken).toHaveBeenCalledTimes(1)
    await expect(pair.call.fib({ n: 1 })).resolves.toBe(1)
  })
})

describe('input validation in the child', () => {
  it('rejects a raw request that bypassed the parent, without running the handler', async () => {
    const { parent, child } = createMemoryChannelPair('json')
    closeAfterTest(parent)
    const handlers = makeHandlers()
    createRouter(contract, handlers, child)
    const replies = recorder(parent)
    parent.send({ $fr: PROTOCOL_VERSION, t: 'q', i: 'x1', m: 'fib', v: { n: -1 } })
    const reply = await replies.reply('x1')
    expect(reply.t).toBe('e')
    const error = replyPayload(reply)
    expect(error.name).toBe('ValidationError')
    expect(error.message).toContain('Invalid input for "fib"')
    expect(handlers.fib).not.toHaveBeenCalled()

    // A valid raw request on the same channel still runs.
    parent.send({ $fr: PROTOCOL_VERSION, t: 'q', i: 'x2', m: 'fib', v: { n: 7 } })
    const good = await replies.reply('x2')
    expect(good).toMatchObject({ t: 'r', v: 13 })
    expect(handlers.fib).toHaveBeenCalledTimes(1)
  })

  it('rejects a call from a client whose contract has no schema, with a ValidationError it can decode', async () => {
    // The same procedure without its schema: the parent checks nothing, the child must.
    const unchecked = defineContract({ fib: procedure<{ n: number }, number>() })
    const { parent, child } = createMemoryChannelPair('json')
    closeAfterTest(parent)
    const handlers = makeHandlers()
    createRouter(contract, handlers, child)
    const client = createClient(unchecked, parent)
    const error = await validationErrorOf(client.call.fib({ n: -1 }))
    expect(error.direction).toBe('input')
    expect(error.procedure).toBe('fib')
    expect(error.code).toBe('ERR_FORKRPC_VALIDATION')
    expect(error.issues[0]?.path).toEqual(['n'])
    expect(handlers.fib).not.toHaveBeenCalled()
    await expect(client.call.fib({ n: 6 })).resolves.toBe(8)
    expect(handlers.fib).toHaveBeenCalledTimes(1)
  })

  it('rejects a raw request with no input at all for a schema procedure', async () => {
    const { parent, child } = createMemoryChannelPair('json')
    closeAfterTest(parent)
    const handlers = makeHandlers()
    createRouter(contract, handlers, child)
    const replies = recorder(parent)
    parent.send({ $fr: PROTOCOL_VERSION, t: 'q', i: 'x3', m: 'length' })
    const reply = await replies.reply('x3')
    expect(reply.t).toBe('e')
    expect(replyPayload(reply).name).toBe('ValidationError')
    expect(handlers.length).not.toHaveBeenCalled()
  })
})
