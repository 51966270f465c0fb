/**
 * Interceptors on both sides: around the calls a side makes (and their outcome), around the
 * handlers it runs, before the listeners of the events it hears; metadata that travels with a
 * call; calls, streams, input streams and events all pass through them.
 */
import { describe, expect, it, vi } from 'vitest'
import {
  defineContract,
  event,
  inputStream,
  procedure,
  stream,
  type CallInterceptor,
  type EventInterceptor,
  type HandlerInterceptor,
  type InterceptedCall,
} from '@forkrpc/core'
import { createClient } from '@forkrpc/core/channel'
import { createMemoryChannelPair } from '@forkrpc/testing'
import { closeAfterTest, pairFor } from '../support.js'

const contract = defineContract(
  {
    add: procedure<{ a: number; b: number }, number>(),
    whoami: procedure<void, Record<string, string>>(),
    count: stream<number, number>(),
    sum: inputStream<number, number>(),
    work: procedure<number, string>(),
    askHost: procedure<void, string>(),
  },
  { events: { progress: event<number>(), debug: event<string>() }, host: { name: procedure<void, string>() } },
)

const handlers = {
  add: ({ a, b }: { a: number; b: number }) => a + b,
  whoami: (_input: void, ctx: { metadata: Readonly<Record<string, string>> }) => ({ ...ctx.metadata }),
  async *count(n: number) {
    for (let i = 0; i < n; i++) yield i
  },
  async sum(numbers: AsyncIterable<number>) {
    let total = 0
    for await (const n of numbers) total += n
    return total
  },
  work: (steps: number, ctx: { emit(name: 'progress' | 'debug', payload: never): void }) => {
    for (let i = 1; i <= steps; i++) {
      ctx.emit('debug', `step ${i}` as never)
      ctx.emit('progress', i as never)
    }
    return 'done'
  },
  askHost: (_input: void, ctx: { host: { name(): Promise<string> } }) => ctx.host.name(),
}

describe('call interceptors', () => {
  it('see each call (procedure, kind, input, options) and its outcome, the first outermost, and may change the input', async () => {
    const seen: string[] = []
    const outer: CallInterceptor = async (call, next) => {
      seen.push(`outer ${call.procedure} ${call.kind} ${JSON.stringify(call.input)} timeout=${String(call.options?.timeout)}`)
      const result = await next(call)
      seen.push(`outer got ${String(result)}`)
      return result
    }
    const doubling: CallInterceptor = (call, next) => next({ ...call, input: { a: 2 * (call.input as { a: number }).a, b: (call.input as { b: number }).b } })
    const pair = pairFor(contract, handlers as never, { interceptors: { call: [outer, doubling] }, host: { name: () => 'parent' } })
    expect(await pair.call.add({ a: 1, b: 2 }, { timeout: 500 })).toBe(4)
    expect(seen).toEqual(['outer add procedure {"a":1,"b":2} timeout=500', 'outer got 4'])
  })

  it('see a failure, and can turn a call into one', async () => {
    const failures: unknown[] = []
    const recording: CallInterceptor = async (call, next) => {
      try {
        return await next(call)
      } catch (error) {
        failures.push(error)
        throw error
      }
    }
    const refusing: CallInterceptor = (call, next) => {
      if (call.procedure === 'add') throw new Error('add is not allowed here')
      return next(call)
    }
    const pair = pairFor(contract, handlers as never, { interceptors: { call: [recording, refusing] }, host: { name: () => 'parent' } })
    await expect(pair.call.add({ a: 1, b: 2 })).rejects.toThrow('add is not allowed here')
    expect(failures).toHaveLength(1)
    expect(pair.inFlight).toBe(0)
  })

  it('set metadata that reaches the handler as ctx.metadata; metadata must be strings', async () => {
    const tracing: CallInterceptor = (call, next) => {
      call.metadata.traceparent = '00-abc-def-01'
      return next(call)
    }
    const pair = pairFor(contract, handlers as never, { interceptors: { call: [tracing] }, host: { name: () => 'parent' } })
    expect(await pair.call.whoami()).toEqual({ traceparent: '00-abc-def-01' })
    const plain = pairFor(contract, handlers as never, { host: { name: () => 'parent' } })
    expect(await plain.call.whoami()).toEqual({})
    const bad: CallInterceptor = (call, next) => next({ ...call, metadata: { count: 1 as unknown as string } })
    const broken = pairFor(contract, handlers as never, { interceptors: { call: [bad] }, host: { name: () => 'parent' } })
    await expect(broken.call.whoami()).rejects.toThrow(/metadata.count must be a string/)
  })

  it('wrap streams (their outcome is the iterator) and input streams', async () => {
    const kinds: string[] = []
    const counting: CallInterceptor = (call, next) => {
      kinds.push(`${call.procedure}:${call.kind}`)
      if (call.kind !== 'stream') return next(call)
      const iterator = next(call) as AsyncIterableIterator<number>
      return (async function* () {
        for await (const chunk of iterator) yield chunk * 10
      })()
    }
    const pair = pairFor(contract, handlers as never, { interceptors: { call: [counting] }, host: { name: () => 'parent' } })
    const chunks: number[] = []
    for await (const chunk of pair.call.count(3)) chunks.push(chunk)
    expect(chunks).toEqual([0, 10, 20])
    expect(await pair.call.sum([1, 2, 3])).toBe(6)
    expect(kinds).toEqual(['count:stream', 'sum:input-stream'])
  })
})

describe('call interceptors written as async functions, or that fail', () => {
  it('an async interceptor around a stream (a promise of the iterator) works like a plain one', async () => {
    const seen: string[] = []
    const asyncCall: CallInterceptor = async (call, next) => {
      await Promise.resolve()
      seen.push(call.procedure)
      return next(call)
    }
    const pair = pairFor(contract, handlers as never, { interceptors: { call: [asyncCall] }, host: { name: () => 'parent' } })
    const chunks: number[] = []
    for await (const chunk of pair.call.count(3)) chunks.push(chunk)
    expect(chunks).toEqual([0, 1, 2])
    expect(await pair.call.add({ a: 1, b: 2 })).toBe(3)
    expect(seen).toEqual(['count', 'add'])
  })

  it('one that throws rejects the call (never a synchronous throw), for a procedure and for a stream', async () => {
    const refusing: CallInterceptor = () => {
      throw new Error('refused by policy')
    }
    const pair = pairFor(contract, handlers as never, { interceptors: { call: [refusing] }, host: { name: () => 'parent' } })
    let made: Promise<number> | undefined
    expect(() => (made = pair.call.add({ a: 1, b: 2 }))).not.toThrow()
    await expect(made).rejects.toThrow('refused by policy')
    const stream = pair.call.count(3)
    await expect(stream.next()).rejects.toThrow('refused by policy')
  })

  it('one that returns something other than the stream fails the stream with a TypeError that says so', async () => {
    const wrong: CallInterceptor = (call, next) => (call.kind === 'stream' ? 42 : next(call))
    const pair = pairFor(contract, handlers as never, { interceptors: { call: [wrong] }, host: { name: () => 'parent' } })
    await expect(pair.call.count(3).next()).rejects.toThrow(/interceptor of stream "count" returned number, not the stream/)
    const asyncWrong: CallInterceptor = async (call, next) => (call.kind === 'stream' ? 'nope' : next(call))
    const other = pairFor(contract, handlers as never, { interceptors: { call: [asyncWrong] }, host: { name: () => 'parent' } })
    await expect(other.call.count(3).next()).rejects.toThrow(TypeError)
  })
})

describe('handler interceptors', () => {
  it('wrap each handler with its context; may refuse a call, and the caller gets the error', async () => {
    const log: string[] = []
    const logged: HandlerInterceptor = async (call, next) => {
      log.push(`start ${call.procedure} ${call.kind} ${JSON.stringify(call.input ?? null)}`)
      try {
        return await next(call.input)
      } finally {
        log.push(`end ${call.procedure}`)
      }
    }
    const auth: HandlerInterceptor = (call, next) => {
      if (call.procedure === 'add' && call.ctx.metadata.role !== 'admin') throw new Error('forbidden')
      return next(call.input)
    }
    const pair = pairFor(contract, handlers as never, { workerInterceptors: { handler: [logged, auth] }, host: { name: () => 'parent' } })
    await expect(pair.call.add({ a: 1, b: 2 })).rejects.toThrow('forbidden')
    expect(log).toEqual(['start add procedure {"a":1,"b":2}', 'end add'])
    const admin: CallInterceptor = (call, next) => next({ ...call, metadata: { role: 'admin' } })
    const allowed = pairFor(contract, handlers as never, { interceptors: { call: [admin] }, workerInterceptors: { handler: [auth] }, host: { name: () => 'parent' } })
    expect(await allowed.call.add({ a: 1, b: 2 })).toBe(3)
  })

  it("wrap a stream's handler (its outcome is the iterable) and the parent's host handlers", async () => {
    const limiting: HandlerInterceptor = (call, next) => (call.kind === 'stream' ? next(Math.min(call.input as number, 2)) : next(call.input))
    const hostLog = vi.fn<HandlerInterceptor>((call, next) => next(call.input))
    const pair = pairFor(contract, handlers as never, { workerInterceptors: { handler: [limiting] }, interceptors: { handler: [hostLog] }, host: { name: () => 'parent' } })
    const chunks: number[] = []
    for await (const chunk of pair.call.count(10)) chunks.push(chunk)
    expect(chunks).toEqual([0, 1])
    expect(await pair.call.askHost()).toBe('parent')
    expect(hostLog).toHaveBeenCalledOnce()
    expect(hostLog.mock.calls[0]?.[0]).toMatchObject({ procedure: 'name', kind: 'procedure' })
  })
})

describe('handler interceptors written as async functions', () => {
  it("an async interceptor around a stream's handler (a promise of the iterable) works like a plain one", async () => {
    const asyncHandler: HandlerInterceptor = async (call, next) => {
      await Promise.resolve()
      return next(call.input)
    }
    const pair = pairFor(contract, handlers as never, { workerInterceptors: { handler: [asyncHandler] }, host: { name: () => 'parent' } })
    const chunks: number[] = []
    for await (const chunk of pair.call.count(3)) chunks.push(chunk)
    expect(chunks).toEqual([0, 1, 2])
  })

  it('a promise of something other than an iterable still fails the stream with a TypeError', async () => {
    const wrong: HandlerInterceptor = async () => 7
    const pair = pairFor(contract, handlers as never, { workerInterceptors: { handler: [wrong] }, host: { name: () => 'parent' } })
    await expect(pair.call.count(3).next()).rejects.toThrow(/must return an AsyncIterable/)
  })
})

describe('event interceptors', () => {
  it('see each event heard, with the procedure that emitted it, before the listeners and onProgress; may drop or change it', async () => {
    const seen: string[] = []
    const filter: EventInterceptor = (event, next) => {
      seen.push(`${event.name} from ${String(event.procedure)}`)
      if (event.name === 'debug') return // dropped
      next((event.payload as number) * 100)
    }
    const pair = pairFor(contract, handlers as never, { interceptors: { event: [filter] }, host: { name: () => 'parent' } })
    const debug = vi.fn()
    pair.on('debug', debug)
    const progress: number[] = []
    const heard: number[] = []
    pair.on('progress', (pct) => heard.push(pct))
    expect(await pair.call.work(2, { onProgress: (pct) => progress.push(pct) })).toBe('done')
    await vi.waitFor(() => expect(heard).toEqual([100, 200]))
    expect(progress).toEqual([100, 200])
    expect(debug).not.toHaveBeenCalled()
    expect(seen).toEqual(['debug from work', 'progress from work', 'debug from work', 'progress from work'])
  })
})

describe('the interceptors option', () => {
  it.each([[{ call: 'x' }], [{ call: [1] }], [{ calls: [] }], ['x']])('refuses %j with a TypeError', (bad) => {
    const { parent } = createMemoryChannelPair()
    closeAfterTest(parent)
    expect(() => createClient(contract, parent, { interceptors: bad as never, host: { name: () => '' } })).toThrow(TypeError)
  })

  it('sees what the call object passed, untouched, when an interceptor passes the call on as it is', async () => {
    let seen: InterceptedCall | undefined
    const spy: CallInterceptor = (call, next) => ((seen = call), next(call))
    const pair = pairFor(contract, handlers as never, { interceptors: { call: [spy] }, host: { name: () => 'parent' } })
    const signal = new AbortController().signal
    await pair.call.add({ a: 1, b: 1 }, { signal })
    expect(seen?.options?.signal).toBe(signal)
    expect(seen?.metadata).toEqual({})
  })
})
