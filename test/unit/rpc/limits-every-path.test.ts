/**
 * Every limit on every path: `maxMessageBytes` on each kind of message (request, result,
 * error, stream chunks, input stream chunks, events, notifications, two-way calls), in both
 * directions (refused by the side that would send it, and by the side that would receive
 * it), and `maxPending` wherever memory is held (calls, streams, input streams, calls given
 * up on, running handlers, unread events), plus credit: a peer that sends more chunks than
 * it was granted. Each side here has its own limits, so that each check is seen alone.
 */
import { describe, expect, it, vi } from 'vitest'
import {
  defineContract,
  event,
  inputStream,
  PayloadTooLargeError,
  procedure,
  ProtocolError,
  stream,
  TooManyPendingCallsError,
  type Handlers,
  type MessageLimitOptions,
  type Serialization,
} from '@forkrpc/core'
import { createClient, createRouter, PROTOCOL_VERSION } from '@forkrpc/core/channel'
import { createMemoryChannelPair } from '@forkrpc/testing'
import { closeAfterTest, deferred, nextTurn, recorder } from '../support.js'

const contract = defineContract(
  {
    echo: procedure<unknown, unknown>(),
    grow: procedure<number, string>(),
    fail: procedure<number, void>(),
    chunks: stream<{ size: number; count: number }, string>({ credit: 4 }),
    upload: inputStream<string, number>({ credit: 4 }),
    emitBig: procedure<number, string>(),
    held: procedure<void, string>(),
    askHost: procedure<number, string>(),
  },
  {
    events: { progress: event<string>() },
    notifications: { note: event<string>() },
    host: { echoBack: procedure<string, string>() },
  },
)

const big = (bytes: number): string => 'x'.repeat(bytes)

/** A parent (client) and a worker (router) over memory, each with its own limits. */
function link(limits: { parent?: MessageLimitOptions; worker?: MessageLimitOptions }, serialization: Serialization = 'json') {
  const { parent, child } = createMemoryChannelPair(serialization)
  closeAfterTest(parent)
  const state = { finallyRan: 0, notes: [] as number[], uploadAborted: undefined as unknown, gate: deferred<string>() }
  const handlers: Handlers<typeof contract> = {
    echo: (value) => value,
    grow: (size) => big(size),
    fail: (size) => {
      throw new Error(big(size))
    },
    async *chunks({ size, count }) {
      try {
        for (let i = 0; i < count; i++) yield big(size)
      } finally {
        state.finallyRan++
      }
    },
    async upload(lines, ctx) {
      ctx.signal.addEventListener('abort', () => (state.uploadAborted = ctx.signal.reason))
      let total = 0
      for await (const line of lines) total += line.length
      return total
    },
    emitBig: (size, ctx) => {
      try {
        ctx.emit('progress', big(size))
        return 'emitted'
      } catch (error) {
        return (error as Error).name
      }
    },
    held: () => state.gate.promise,
    askHost: (size, ctx) => ctx.host.echoBack(big(size)).then((answer) => `host said ${answer.length}`, (error: Error) => `${error.name}: ${(error as PayloadTooLargeError).role}`),
  }
  const router = createRouter(contract, handlers, child, { ...limits.worker, notifications: { note: (text) => void state.notes.push(text.length) } })
  const client = createClient(contract, parent, { ...limits.parent, host: { echoBack: (text) => text } })
  return { client, router, state, parent, child }
}

describe.each<Serialization>(['json', 'advanced'])('maxMessageBytes on every message (%s)', (serialization) => {
  it('a request: refused by the caller before sending, and by the worker on arrival', async () => {
    const sending = link({ parent: { maxMessageBytes: 1_000 } }, serialization)
    await expect(sending.client.call.echo(big(5_000))).rejects.toMatchObject({ name: 'PayloadTooLargeError', role: 'input' })
    const receiving = link({ worker: { maxMessageBytes: 1_000 } }, serialization)
    await expect(receiving.client.call.echo(big(5_000))).rejects.toMatchObject({ name: 'PayloadTooLargeError', role: 'input', limit: 1_000 })
    await expect(receiving.client.call.echo('ok')).resolves.toBe('ok')
  })

  it('a result: refused by the worker before sending, and by the caller on arrival', async () => {
    const sending = link({ worker: { maxMessageBytes: 1_000 } }, serialization)
    await expect(sending.client.call.grow(5_000)).rejects.toMatchObject({ name: 'PayloadTooLargeError', role: 'result', procedure: 'grow' })
    const receiving = link({ parent: { maxMessageBytes: 1_000 } }, serialization)
    await expect(receiving.client.call.grow(5_000)).rejects.toMatchObject({ name: 'PayloadTooLargeError', role: 'result', limit: 1_000 })
    await expect(receiving.client.call.grow(10)).resolves.toBe(big(10))
  })

  it('an error: refused by the worker before sending (the caller gets PayloadTooLargeError instead), and by the caller on arrival', async () => {
    const sending = link({ worker: { maxMessageBytes: 1_000 } }, serialization)
    await expect(sending.client.call.fail(5_000)).rejects.toMatchObject({ name: 'PayloadTooLargeError', role: 'error', procedure: 'fail' })
    const receiving = link({ parent: { maxMessageBytes: 1_000 } }, serialization)
    await expect(receiving.client.call.fail(5_000)).rejects.toMatchObject({ name: 'PayloadTooLargeError', role: 'error', limit: 1_000 })
    await expect(receiving.client.call.fail(10)).rejects.toMatchObject({ name: 'Error', message: big(10) })
  })

  it("a stream's chunks: a chunk too large for the worker to send ends the stream with PayloadTooLargeError, and the generator's finally runs", async () => {
    const { client, state } = link({ worker: { maxMessageBytes: 1_000 } }, serialization)
    const received: string[] = []
    const error = await (async () => {
      for await (const chunk of client.call.chunks({ size: 10_000, count: 3 })) received.push(chunk)
    })().catch((e: unknown) => e)
    expect(error).toBeInstanceOf(PayloadTooLargeError)
    expect(error).toMatchObject({ role: 'chunk', procedure: 'chunks' })
    expect(received).toEqual([])
    await vi.waitFor(() => expect(state.finallyRan).toBe(1))
  })

  it("a stream's chunks: a chunk too large for the caller to accept ends the stream with PayloadTooLargeError and stops the generator", async () => {
    const { client, state, router } = link({ parent: { maxMessageBytes: 1_000 } }, serialization)
    const received: string[] = []
    const error = await (async () => {
      for await (const chunk of client.call.chunks({ size: 10_000, count: 3 })) received.push(chunk)
    })().catch((e: unknown) => e)
    expect(error).toMatchObject({ name: 'PayloadTooLargeError', role: 'chunk', limit: 1_000 })
    expect(received).toEqual([])
    await vi.waitFor(() => expect(state.finallyRan).toBe(1))
    await router.drained()
  })

  it('chunks that fit one by one but not as one batch still all arrive (the batch is split)', async () => {
    const { client } = link({ worker: { maxMessageBytes: 1_000 }, parent: { maxMessageBytes: 1_000 } }, serialization)
    const received: string[] = []
    for await (const chunk of client.call.chunks({ size: 300, count: 4 })) received.push(chunk)
    expect(received).toEqual([big(300), big(300), big(300), big(300)])
  })

  it("an input stream's chunks: refused by the caller before sending (the call rejects, the handler is cancelled)", async () => {
    const { client, state } = link({ parent: { maxMessageBytes: 1_000 } }, serialization)
    await expect(client.call.upload(['small', big(5_000)])).rejects.toMatchObject({ name: 'PayloadTooLargeError', role: 'chunk', procedure: 'upload' })
    await vi.waitFor(() => expect(state.uploadAborted).toMatchObject({ name: 'AbortError' }))
  })

  it("an input stream's chunks: refused by the worker on arrival (the handler's reading fails with it)", async () => {
    const { client, state } = link({ worker: { maxMessageBytes: 1_000 } }, serialization)
    await expect(client.call.upload(['small', big(5_000)])).rejects.toMatchObject({ name: 'PayloadTooLargeError', role: 'chunk', limit: 1_000 })
    expect(state.uploadAborted).toBeInstanceOf(PayloadTooLargeError)
    await expect(client.call.upload(['a', 'bc'])).resolves.toBe(3)
  })

  it('an event: the handler cannot emit one over its limit; the parent drops one over its own', async () => {
    const sending = link({ worker: { maxMessageBytes: 1_000 } }, serialization)
    const heardBySender = vi.fn()
    sending.client.on('progress', heardBySender)
    await expect(sending.client.call.emitBig(5_000)).resolves.toBe('PayloadTooLargeError')
    const receiving = link({ parent: { maxMessageBytes: 1_000 } }, serialization)
    const heard: number[] = []
    receiving.client.on('progress', (text) => heard.push(text.length))
    await expect(receiving.client.call.emitBig(5_000)).resolves.toBe('emitted')
    await expect(receiving.client.call.emitBig(10)).resolves.toBe('emitted')
    await vi.waitFor(() => expect(heard).toEqual([10]))
    expect(heardBySender).not.toHaveBeenCalled()
  })

  it('a notification: the parent cannot send one over its limit; the worker drops one over its own', async () => {
    const sending = link({ parent: { maxMessageBytes: 1_000 } }, serialization)
    expect(() => sending.client.notify('note', big(5_000))).toThrow(PayloadTooLargeError)
    const receiving = link({ worker: { maxMessageBytes: 1_000 } }, serialization)
    receiving.client.notify('note', big(5_000))
    receiving.client.notify('note', big(10))
    await expect(receiving.client.call.echo('after')).resolves.toBe('after') // in order behind the notifications
    expect(receiving.state.notes).toEqual([10])
    expect(sending.state.notes).toEqual([])
  })

  it('a two-way call: the worker cannot send a host request over its limit; the parent refuses one over its own', async () => {
    const sending = link({ worker: { maxMessageBytes: 1_000 } }, serialization)
    await expect(sending.client.call.askHost(5_000)).resolves.toBe('PayloadTooLargeError: input')
    const receiving = link({ parent: { maxMessageBytes: 1_000 } }, serialization)
    await expect(receiving.client.call.askHost(5_000)).resolves.toBe('PayloadTooLargeError: input')
    await expect(receiving.client.call.askHost(10)).resolves.toBe('host said 10')
  })
})

describe('maxPending wherever memory is held', () => {
  it('open streams and input streams count against the caller’s maxPending, like calls', async () => {
    const { client, state } = link({ parent: { maxPending: 2 } })
    const streamA = client.call.chunks({ size: 1, count: 10 })
    await streamA.next()
    const upload = client.call.upload((async function* () {
      yield 'a'
      await state.gate.promise
    })())
    await nextTurn()
    await expect(client.call.echo(1)).rejects.toBeInstanceOf(TooManyPendingCallsError)
    await expect(client.call.chunks({ size: 1, count: 1 }).next()).rejects.toMatchObject({ name: 'TooManyPendingCallsError', limit: 2 })
    await streamA.return?.()
    state.gate.resolve('go')
    await expect(upload).resolves.toBe(1)
    await vi.waitFor(() => expect(client.call.echo(2)).resolves.toBe(2))
  })

  it('calls given up on count until their handler has settled on the other side', async () => {
    const { client, state } = link({ parent: { maxPending: 2 } })
    const controller = new AbortController()
    const calls = [client.call.held(undefined, { signal: controller.signal }), client.call.held(undefined, { signal: controller.signal })]
    controller.abort(new Error('stop'))
    await expect(Promise.all(calls)).rejects.toThrow('stop')
    await expect(client.call.echo(1)).rejects.toBeInstanceOf(TooManyPendingCallsError)
    state.gate.resolve('late') // the handlers settle; the worker says so (`d`)
    await vi.waitFor(() => expect(client.call.echo(3)).resolves.toBe(3))
  })

  it("the worker refuses a request beyond its own maxPending, and runs nothing more", async () => {
    const { client, state, router } = link({ worker: { maxPending: 2 } })
    const held = [client.call.held(), client.call.held()]
    const error = await client.call.held().catch((e: unknown) => e)
    expect(error).toBeInstanceOf(TooManyPendingCallsError)
    expect((error as Error).message).toContain('already running 2 calls')
    expect(router.inFlight).toBe(2)
    state.gate.resolve('done')
    await expect(Promise.all(held)).resolves.toEqual(['done', 'done'])
  })

  it('an events() iterator buffers at most maxPending unread events, then fails with TooManyPendingCallsError', async () => {
    const { client } = link({ parent: { maxPending: 3 } })
    const iterator = client.events('progress')
    for (let i = 0; i < 5; i++) await client.call.emitBig(i + 1)
    const read: number[] = []
    const error = await (async () => {
      for await (const text of iterator) read.push(text.length)
    })().catch((e: unknown) => e)
    expect(read).toEqual([1, 2, 3])
    expect(error).toMatchObject({ name: 'TooManyPendingCallsError', limit: 3 })
  })
})

describe('credit is a limit too', () => {
  it('a worker that sends more chunks than its credit ends the stream with ProtocolError', async () => {
    const { parent, child } = createMemoryChannelPair('json')
    closeAfterTest(parent)
    const requests = recorder(child)
    const client = createClient(defineContract({ chunks: stream<void, number>({ credit: 2 }) }), parent)
    const iterator = client.call.chunks()
    const first = iterator.next()
    const request = await requests.next((message) => message.t === 'q')
    child.send({ $fr: PROTOCOL_VERSION, t: 'y', i: request.i, v: [1, 2, 3] })
    await expect(first).rejects.toBeInstanceOf(ProtocolError)
    expect(client.pending).toBe(0)
  })

  it('a caller that sends more input chunks than its credit fails the handler’s reading with ProtocolError', async () => {
    const { parent, child } = createMemoryChannelPair('json')
    closeAfterTest(parent)
    const seen = deferred<unknown>()
    createRouter(defineContract({ upload: inputStream<number, number>({ credit: 2 }) }), {
      async upload(numbers) {
        try {
          for await (const _ of numbers);
          return 0
        } catch (error) {
          seen.resolve(error)
          throw error
        }
      },
    }, child)
    parent.send({ $fr: PROTOCOL_VERSION, t: 'q', i: 'u1', m: 'upload', u: 2 })
    parent.send({ $fr: PROTOCOL_VERSION, t: 'yi', i: 'u1', v: [1, 2, 3] })
    expect(await seen.promise).toBeInstanceOf(ProtocolError)
  })
})
