import { describe, expect, it, vi } from 'vitest'
import { defineContract, MAX_STREAM_CREDIT, procedure, SerializationError, UnknownProcedureError, type Serialization } from '@forkrpc/core'
// Internal: the reader of arrived messages.
import { readMessage } from '../../../packages/core/src/protocol/read-message.js'
import { createClient, createRouter, PROTOCOL_VERSION } from '@forkrpc/core/channel'
import { createMemoryChannelPair, type MemoryChannel } from '@forkrpc/testing'
// Internal: the worker's lifecycle messages, which serve() handles.
import { WorkerLifecycle } from '../../../packages/core/src/serve/worker-lifecycle.js'
import { closeAfterTest, deferred, nextTurn, pairFor, recorder, replyPayload, type RawMessage } from '../support.js'

const contract = defineContract({
  add: procedure<{ a: number; b: number }, number>(),
  echo: procedure<unknown, unknown>(),
  held: procedure<void, string>(),
})

function makeHandlers() {
  return {
    add: vi.fn(({ a, b }: { a: number; b: number }) => a + b),
    echo: vi.fn((value: unknown) => value),
    held: vi.fn(async () => 'held'),
  }
}

/** A router on the child end; the test speaks raw messages on the parent end. */
function rawRouter(serialization: Serialization = 'json', handlers = makeHandlers()) {
  const { parent, child } = createMemoryChannelPair(serialization)
  closeAfterTest(parent)
  const router = createRouter(contract, handlers, child)
  return { parent, child, router, handlers, received: recorder(parent) }
}

/** Sends a message that is not a plain object (the memory channel's type asks for one). */
function sendAnything(channel: MemoryChannel, message: unknown): void {
  channel.send(message as object)
}

function polluted(): unknown {
  return ({} as Record<string, unknown>).polluted
}

describe('requests for names that are not procedures', () => {
  const names = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf', '__defineGetter__', 'nope', '']

  it.each(names)('%j gets an UnknownProcedureError reply and runs nothing', async (name) => {
    const { parent, handlers, received } = rawRouter()
    parent.send({ $fr: PROTOCOL_VERSION, t: 'q', i: 'u1', m: name, v: { a: 1, b: 2 } })
    const reply = await received.reply('u1')
    expect(reply.t).toBe('e')
    const error = replyPayload(reply)
    expect(error.name).toBe('UnknownProcedureError')
    expect(error.message).toContain(JSON.stringify(name))
    for (const handler of Object.values(handlers)) expect(handler).not.toHaveBeenCalled()
  })

  it('are decoded by a client as UnknownProcedureError', async () => {
    // A skewed contract: the client knows procedures the router does not serve.
    const skewed = defineContract({
      add: procedure<{ a: number; b: number }, number>(),
      ['__proto__']: procedure<unknown, unknown>(),
      constructor: procedure<unknown, unknown>(),
      toString: procedure<unknown, unknown>(),
      hasOwnProperty: procedure<unknown, unknown>(),
      nope: procedure<unknown, unknown>(),
    })
    const { parent, child } = createMemoryChannelPair('json')
    closeAfterTest(parent)
    const handlers = makeHandlers()
    createRouter(contract, handlers, child)
    const client = createClient(skewed, parent)
    const call = client.call as unknown as Record<string, (input?: unknown) => Promise<unknown>>
    for (const name of ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'nope']) {
      const error = (await call[name]?.({ a: 1 }).catch((e: unknown) => e)) as UnknownProcedureError
      expect(error).toBeInstanceOf(UnknownProcedureError)
      expect(error.code).toBe('ERR_FORKRPC_UNKNOWN_PROCEDURE')
      expect(error.procedure).toBe(name)
    }
    await expect(client.call.add({ a: 1, b: 2 })).resolves.toBe(3)
    expect(handlers.add).toHaveBeenCalledTimes(1)
    expect(handlers.echo).not.toHaveBeenCalled()
    expect(polluted()).toBeUndefined()
  })
})

describe('payloads with a __proto__ key', () => {
  const payload = () => JSON.parse('{"__proto__": {"polluted": 1}, "ok": true}') as Record<string, unknown>

  it('pollute nothing in the router or in the reply (raw request)', async () => {
    const { parent, handlers, received } = rawRouter()
    parent.send({ $fr: PROTOCOL_VERSION, t: 'q', i: 'p1', m: 'echo', v: payload() })
    const reply = await received.reply('p1')
    expect(reply.t).toBe('r')
    expect(handlers.echo).toHaveBeenCalledTimes(1)
    const seen = handlers.echo.mock.calls[0]?.[0] as Record<string, unknown>
    expect(seen.ok).toBe(true)
    expect(seen.polluted).toBeUndefined()
    expect(polluted()).toBeUndefined()
  })

  it('pollute nothing when a superjson payload names __proto__ in its meta', async () => {
    const { parent, received } = rawRouter()
    const x = { json: { a: { b: 1 } }, meta: { values: { '__proto__.polluted': ['undefined'], 'a.__proto__.polluted': ['undefined'] } } }
    parent.send({ $fr: PROTOCOL_VERSION, t: 'q', i: 'p2', m: 'echo', x })
    await received.reply('p2')
    expect(polluted()).toBeUndefined()
    expect(({} as Record<string, unknown>).b).toBeUndefined()
  })

  it.each(['json', 'advanced'] as const)('pollute nothing on either side through a client (%s)', async (serialization) => {
    const handlers = makeHandlers()
    const pair = pairFor(contract, handlers, { serialization })
    const plain = (await pair.call.echo(payload())) as Record<string, unknown>
    expect(plain.ok).toBe(true)
    expect(polluted()).toBeUndefined()
    // With a Date, the payload goes through superjson on json.
    const special = { ...payload(), when: new Date(0) }
    Object.defineProperty(special, '__proto__', { value: { polluted: 1 }, enumerable: true, configurable: true, writable: true })
    // Either it arrives as data, or the codec refuses it (superjson does): never pollution.
    const back = await pair.call.echo(special).catch((e: unknown) => e)
    if (back instanceof Error) {
      expect(back).toBeInstanceOf(SerializationError)
      expect(back.message).toContain('__proto__')
    } else {
      expect((back as Record<string, unknown>).when).toEqual(new Date(0))
      expect(Object.getPrototypeOf(back)).toBe(Object.prototype)
    }
    expect(polluted()).toBeUndefined()
    await expect(pair.call.add({ a: 1, b: 1 })).resolves.toBe(2)
  })

  it('pollute nothing when an error reply carries one', async () => {
    const { parent, child } = createMemoryChannelPair('json')
    closeAfterTest(parent)
    child.receive((message) => {
      const request = message as RawMessage
      if (request.t !== 'q') return
      child.send({ $fr: PROTOCOL_VERSION, t: 'e', i: request.i, v: JSON.parse('{"name":"Error","message":"m","props":{"__proto__":{"polluted":1}}}') })
    })
    const client = createClient(contract, parent)
    const error = await client.call.add({ a: 1, b: 2 }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(Error)
    expect((error as Error).message).toBe('m')
    expect(polluted()).toBeUndefined()
  })

  it('pollute nothing when a handler throws an error with one', async () => {
    const pair = pairFor(contract, {
      ...makeHandlers(),
      echo: () => {
        const error = new Error('has __proto__')
        Object.defineProperty(error, '__proto__', { value: { polluted: 1 }, enumerable: true, configurable: true, writable: true })
        throw error
      },
    })
    const error = await pair.call.echo(1).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(Error)
    expect((error as Error).message).toBe('has __proto__')
    expect(polluted()).toBeUndefined()
  })
})

describe('foreign messages', () => {
  const foreign: unknown[] = [{ hello: 1 }, 'string', null, 42, true, [1, 2], { fr: 1, t: 'q', i: 'f', m: 'add' }]

  it('are ignored by both the client and the router, without throwing', async () => {
    const { parent, child } = createMemoryChannelPair('json')
    closeAfterTest(parent)
    const handlers = makeHandlers()
    createRouter(contract, handlers, child)
    const client = createClient(contract, parent)
    const toChild = recorder(child)
    const toParent = recorder(parent)
    for (const message of foreign) {
      sendAnything(parent, message) // to the router
      sendAnything(child, message) // to the client
    }
    await expect(client.call.add({ a: 1, b: 2 })).resolves.toBe(3)
    expect(handlers.add).toHaveBeenCalledTimes(1)
    // They arrived, and nothing answered them: the only reply is the real one.
    expect(toChild.messages).toEqual(expect.arrayContaining([{ hello: 1 }, 'string', null, 42]))
    const replies = toParent.messages.filter((m) => (m as RawMessage | null)?.t === 'r' || (m as RawMessage | null)?.t === 'e')
    expect(replies).toHaveLength(1)
  })
})

describe('malformed forkrpc messages', () => {
  const malformed: unknown[] = [
    { $fr: PROTOCOL_VERSION },
    { $fr: PROTOCOL_VERSION, t: 'q' },
    { $fr: PROTOCOL_VERSION, t: 'zz' },
    { $fr: PROTOCOL_VERSION + 1, t: 'q', i: 'bad-a', m: 'add', v: { a: 1, b: 1 } },
    { $fr: '1', t: 'q', i: 'bad-b', m: 'add', v: { a: 1, b: 1 } },
    { $fr: PROTOCOL_VERSION, t: 'q', i: 5, m: 'add', v: { a: 1, b: 1 } },
    { $fr: PROTOCOL_VERSION, t: 'q', i: 'bad-c', m: ['add'], v: { a: 1, b: 1 } },
    { $fr: PROTOCOL_VERSION, t: 7 },
    { $fr: PROTOCOL_VERSION, t: 'r' },
    { $fr: PROTOCOL_VERSION, t: 'e', i: null },
    { $fr: PROTOCOL_VERSION, t: 'c' },
    { $fr: PROTOCOL_VERSION, t: 'h', n: [1] },
    { $fr: PROTOCOL_VERSION, t: 'ha', s: 'yaml' },
    { $fr: null },
  ]

  it('are dropped by both sides without throwing, and calls in between still succeed', async () => {
    const { parent, child } = createMemoryChannelPair('json')
    closeAfterTest(parent)
    const handlers = makeHandlers()
    createRouter(contract, handlers, child)
    const client = createClient(contract, parent)
    const toParent = recorder(parent)
    const results: Array<Promise<number>> = []
    for (const [index, message] of malformed.entries()) {
      results.push(client.call.add({ a: index, b: 100 }))
      sendAnything(parent, message) // to the router
      sendAnything(child, message) // to the client
    }
    results.push(client.call.add({ a: -1, b: 1 }))
    expect(await Promise.all(results)).toEqual([...malformed.map((_, index) => index + 100), 0])
    expect(handlers.add).toHaveBeenCalledTimes(malformed.length + 1)
    // None of the malformed requests got an answer.
    const answered = (id: string) => toParent.messages.some((m) => ['r', 'e'].includes((m as RawMessage | null)?.t as string) && (m as RawMessage).i === id)
    for (const id of ['bad-a', 'bad-b', 'bad-c']) expect(answered(id)).toBe(false)
  })

  it('with the wrong protocol version run no handler', async () => {
    const { parent, handlers } = rawRouter()
    parent.send({ $fr: PROTOCOL_VERSION + 1, t: 'q', i: 'v2', m: 'add', v: { a: 1, b: 2 } })
    parent.send({ $fr: PROTOCOL_VERSION, t: 'q', i: 'v1', m: 'echo', v: 'after' })
    await vi.waitFor(() => expect(handlers.echo).toHaveBeenCalledTimes(1), { interval: 1 })
    expect(handlers.add).not.toHaveBeenCalled()
  })
})

describe('replies', () => {
  /** A fake child that answers each request with `answer(request)` messages. */
  function fakeChild(answer: (request: RawMessage) => object[]) {
    const { parent, child } = createMemoryChannelPair('json')
    closeAfterTest(parent)
    child.receive((message) => {
      const request = message as RawMessage
      if (request?.t === 'q') for (const reply of answer(request)) child.send(reply)
    })
    return createClient(contract, parent)
  }

  it('to calls that never existed, and duplicates, are dropped; each call gets its own result', async () => {
    const client = fakeChild((request) => {
      const { a, b } = request.v as { a: number; b: number }
      return [
        { $fr: PROTOCOL_VERSION, t: 'r', i: 'never-made', v: -1 },
        { $fr: PROTOCOL_VERSION, t: 'e', i: 'never-made-either', v: { name: 'Error', message: 'ghost' } },
        { $fr: PROTOCOL_VERSION, t: 'r', i: request.i, v: a + b },
        { $fr: PROTOCOL_VERSION, t: 'r', i: request.i, v: 999 },
        { $fr: PROTOCOL_VERSION, t: 'e', i: request.i, v: { name: 'Error', message: 'duplicate' } },
      ]
    })
    await expect(client.call.add({ a: 1, b: 2 })).resolves.toBe(3)
    await expect(client.call.add({ a: 10, b: 20 })).resolves.toBe(30)
    const both = await Promise.all([client.call.add({ a: 5, b: 5 }), client.call.add({ a: 7, b: 7 })])
    expect(both).toEqual([10, 14])
    expect(client.pending).toBe(0)
  })

  it('whose encoded payload is malformed reject that call with SerializationError', async () => {
    let count = 0
    const client = fakeChild((request) => {
      count++
      if (count === 1) return [{ $fr: PROTOCOL_VERSION, t: 'r', i: request.i, x: 'not an object' }]
      return [{ $fr: PROTOCOL_VERSION, t: 'r', i: request.i, v: 'fine' }]
    })
    const error = await client.call.echo(1).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(SerializationError)
    expect((error as SerializationError).procedure).toBe('echo')
    await expect(client.call.echo(2)).resolves.toBe('fine')
  })

  it('of kind error with a malformed payload reject that call with an Error', async () => {
    const client = fakeChild((request) => [{ $fr: PROTOCOL_VERSION, t: 'e', i: request.i, v: 42 }])
    const error = await client.call.echo(1).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(Error)
  })
})

describe('the router', () => {
  it("a worker announces the sorted procedure names, and again when asked (serve()'s lifecycle)", async () => {
    const { parent, child } = createMemoryChannelPair('json')
    closeAfterTest(parent)
    const received = recorder(parent)
    const lifecycle = new WorkerLifecycle(contract, child, { shutdownRequested: () => {} })
    lifecycle.announce()
    const first = await received.next((m) => m.t === 'h')
    expect(first).toEqual({ $fr: PROTOCOL_VERSION, t: 'h', n: ['add', 'echo', 'held'] })
    lifecycle.handle({ $fr: PROTOCOL_VERSION, t: 'hq' })
    await vi.waitFor(() => expect(received.messages.filter((m) => (m as RawMessage).t === 'h')).toHaveLength(2), { interval: 1 })
  })

  it('runs a request id only once while it is running', async () => {
    const release = deferred<string>()
    const handlers = { ...makeHandlers(), held: vi.fn(() => release.promise) }
    const { parent, received } = rawRouter('json', handlers)
    parent.send({ $fr: PROTOCOL_VERSION, t: 'q', i: 'same', m: 'held' })
    await vi.waitFor(() => expect(handlers.held).toHaveBeenCalledTimes(1), { interval: 1 })
    parent.send({ $fr: PROTOCOL_VERSION, t: 'q', i: 'same', m: 'held' })
    parent.send({ $fr: PROTOCOL_VERSION, t: 'q', i: 'same', m: 'held' })
    parent.send({ $fr: PROTOCOL_VERSION, t: 'q', i: 'other', m: 'add', v: { a: 1, b: 1 } })
    await received.reply('other')
    release.resolve('done')
    expect(await received.reply('same')).toMatchObject({ t: 'r', v: 'done' })
    await nextTurn()
    await nextTurn()
    expect(handlers.held).toHaveBeenCalledTimes(1)
    expect(received.messages.filter((m) => (m as RawMessage).i === 'same')).toHaveLength(1)
  })

  it('ignores the cancellation of a call that is not running', async () => {
    const { parent, handlers, received } = rawRouter()
    parent.send({ $fr: PROTOCOL_VERSION, t: 'c', i: 'ghost', r: 'a' })
    parent.send({ $fr: PROTOCOL_VERSION, t: 'c', i: 'ghost', r: 't', ms: 5 })
    parent.send({ $fr: PROTOCOL_VERSION, t: 'q', i: 'q1', m: 'add', v: { a: 2, b: 3 } })
    expect(await received.reply('q1')).toMatchObject({ t: 'r', v: 5 })
    expect(handlers.add).toHaveBeenCalledTimes(1)
  })

  it('answers a raw request on the advanced channel', async () => {
    const { parent, received } = rawRouter('advanced')
    parent.send({ $fr: PROTOCOL_VERSION, t: 'q', i: 'adv', m: 'echo', v: new Map([[1, new Date(5)]]) })
    const reply = await received.reply('adv')
    expect(reply.t).toBe('r')
    expect(reply.v).toEqual(new Map([[1, new Date(5)]]))
  })
})

describe('a cancel message the client did not send', () => {
  it('rejects the call with AbortError once the worker says the handler is done, so no caller waits for ever', async () => {
    const gate = deferred<string>()
    const { parent, child } = createMemoryChannelPair('json')
    closeAfterTest(parent)
    createRouter(contract, { ...makeHandlers(), held: () => gate.promise }, child)
    const requests = recorder(child)
    const client = createClient(contract, parent)
    const call = client.call.held()
    const request = await requests.next((message) => message.t === 'q')
    // Forged: the router hears a cancel that this client never sent.
    parent.send({ $fr: PROTOCOL_VERSION, t: 'c', i: request.i, r: 'a' })
    await nextTurn()
    gate.resolve('late result')
    await expect(call).rejects.toMatchObject({ name: 'AbortError', procedure: 'held' })
    expect(client.pending).toBe(0)
  })
})

describe('credit windows a request may open', () => {
  it('are held to MAX_STREAM_CREDIT, as the caller’s options are', () => {
    const request = (w: number) => ({ $fr: PROTOCOL_VERSION, t: 'q', i: 'w', m: 'lines', w })
    expect(readMessage(request(MAX_STREAM_CREDIT))).toMatchObject({ w: MAX_STREAM_CREDIT })
    expect(readMessage(request(MAX_STREAM_CREDIT + 1))).toBe(false)
    expect(readMessage({ $fr: PROTOCOL_VERSION, t: 'q', i: 'u', m: 'upload', u: 2 ** 40 })).toBe(false)
  })
})
