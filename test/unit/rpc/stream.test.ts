import { setTimeout as delay } from 'node:timers/promises'
import { describe, expect, it } from 'vitest'
import { AbortError, ChannelClosedError, defineContract, procedure, SerializationError, stream, TimeoutError, type HandlerContext } from '@forkrpc/core'
import { deferred, nextTurn, pairFor } from '../support.js'

class ParseError extends Error {
  override name = 'ParseError'
  constructor(
    message: string,
    readonly line: number,
  ) {
    super(message)
  }
}

const contract = defineContract(
  {
    count: stream<number, number>(),
    windowed: stream<void, number>({ credit: 4 }),
    dates: stream<number, Date>(),
    failing: stream<number, string>(),
    stalling: stream<void, number>(),
    notIterable: stream<void, number>(),
    unsendable: stream<void, unknown>(),
    add: procedure<{ a: number; b: number }, number>(),
  },
  { errors: [ParseError] },
)

/** Handlers that record what the child side did: chunks produced, finally blocks run, abort reasons. */
function setup(serialization: 'json' | 'advanced' = 'json') {
  const state = { produced: 0, finallyRan: deferred<unknown>(), handlerCalls: 0 }
  const handlers = {
    async *count(n: number) {
      state.handlerCalls++
      for (let i = 0; i < n; i++) yield i
    },
    async *windowed(_input: void, { signal }: HandlerContext) {
      try {
        for (let i = 0; ; i++) {
          state.produced++
          yield i
        }
      } finally {
        state.finallyRan.resolve(signal.aborted ? signal.reason : 'not aborted')
      }
    },
    async *dates(n: number) {
      for (let i = 0; i < n; i++) yield new Date(Date.UTC(2020, 0, i + 1))
    },
    async *failing(n: number) {
      for (let i = 0; i < n; i++) yield `chunk ${i}`
      throw new ParseError('bad line', n)
    },
    async *stalling(_input: void, { signal }: HandlerContext) {
      try {
        yield 1
        await delay(60_000, undefined, { signal })
        yield 2
      } finally {
        state.finallyRan.resolve(signal.reason)
      }
    },
    notIterable: (() => 42) as unknown as () => AsyncIterable<number>,
    async *unsendable() {
      try {
        yield 1
        yield () => 'a function'
      } finally {
        state.finallyRan.resolve('finally')
      }
    },
    add: ({ a, b }: { a: number; b: number }) => a + b,
  }
  return { pair: pairFor(contract, handlers, { serialization }), state }
}

describe('stream procedures', () => {
  for (const serialization of ['json', 'advanced'] as const) {
    it(`delivers every chunk in order, then ends (${serialization})`, async () => {
      const { pair } = setup(serialization)
      const chunks: number[] = []
      for await (const chunk of pair.call.count(100)) chunks.push(chunk)
      expect(chunks).toEqual(Array.from({ length: 100 }, (_, i) => i))
    })
  }

  it('keeps chunks exact on json (Dates come back as Dates)', async () => {
    const { pair } = setup()
    const dates: Date[] = []
    for await (const date of pair.call.dates(3)) dates.push(date)
    expect(dates.map((date) => date.toISOString())).toEqual(['2020-01-01T00:00:00.000Z', '2020-01-02T00:00:00.000Z', '2020-01-03T00:00:00.000Z'])
  })

  it('ends at once for an empty stream', async () => {
    const { pair } = setup()
    const iterator = pair.call.count(0)
    expect(await iterator.next()).toEqual({ done: true, value: undefined })
    expect(await iterator.next()).toEqual({ done: true, value: undefined })
  })

  it('sends nothing until the first next() (a stream never iterated costs the child nothing)', async () => {
    const { pair, state } = setup()
    const iterator = pair.call.count(3)
    await nextTurn()
    await nextTurn()
    expect(state.handlerCalls).toBe(0)
    expect(await iterator.next()).toEqual({ done: false, value: 0 })
    expect(state.handlerCalls).toBe(1)
    await iterator.return?.()
  })

  it('runs calls alongside streams', async () => {
    const { pair } = setup()
    const iterator = pair.call.count(5)
    const [first, sum] = await Promise.all([iterator.next(), pair.call.add({ a: 1, b: 2 })])
    expect(first.value).toBe(0)
    expect(sum).toBe(3)
    await iterator.return?.()
  })
})

describe('flow control by credit', () => {
  it('the child produces no more than the credit window while the consumer does not take chunks', async () => {
    const { pair, state } = setup()
    const iterator = pair.call.windowed()
    expect((await iterator.next()).value).toBe(0)
    for (let i = 0; i < 20; i++) await nextTurn()
    // Window 4: four chunks sent (one taken, three buffered in the parent), no credit back yet.
    expect(state.produced).toBe(4)
    await iterator.next() // the second chunk taken: half the window, so 2 more credits
    for (let i = 0; i < 20; i++) await nextTurn()
    expect(state.produced).toBe(6)
    await iterator.return?.()
  })

  it('a call can ask for its own window', async () => {
    const { pair, state } = setup()
    const iterator = pair.call.windowed(undefined, { credit: 1 })
    await iterator.next()
    for (let i = 0; i < 20; i++) await nextTurn()
    expect(state.produced).toBe(2) // one taken and acknowledged at once, one more in flight
    await iterator.return?.()
  })

  it('refuses a bad credit window', async () => {
    expect(() => stream({ credit: 0 })).toThrow(TypeError)
    expect(() => stream({ credit: 1.5 })).toThrow(/whole number/)
    const { pair } = setup()
    // A call never throws: the stream's first next() rejects instead, and nothing is sent.
    const iterator = pair.call.windowed(undefined, { credit: -1 })
    await expect(iterator.next()).rejects.toThrow(/credit must be a whole number/)
    await expect(pair.call.windowed(undefined, { timeout: -5 }).next()).rejects.toThrow(/timeout must be a non-negative number/)
    expect(pair.inFlight).toBe(0)
  })
})

describe('stopping a stream early', () => {
  it("breaking out of the loop stops the child's generator and runs its finally", async () => {
    const { pair, state } = setup()
    const taken: number[] = []
    for await (const chunk of pair.call.windowed()) {
      taken.push(chunk)
      if (taken.length === 3) break
    }
    expect(taken).toEqual([0, 1, 2])
    const reason = await state.finallyRan.promise
    expect(reason).toBeInstanceOf(AbortError)
    await expect.poll(() => pair.inFlight).toBe(0)
  })

  it("an AbortSignal ends the iteration with its reason and runs the child's finally", async () => {
    const { pair, state } = setup()
    const controller = new AbortController()
    const iterator = pair.call.stalling(undefined, { signal: controller.signal })
    expect((await iterator.next()).value).toBe(1)
    const next = iterator.next()
    controller.abort(new Error('stop now'))
    await expect(next).rejects.toThrow('stop now')
    expect(await state.finallyRan.promise).toBeInstanceOf(AbortError)
    expect(await iterator.next()).toEqual({ done: true, value: undefined })
  })

  it('an already aborted signal fails the first next() without starting the handler', async () => {
    const { pair, state } = setup()
    const iterator = pair.call.count(3, { signal: AbortSignal.abort(new Error('too late')) })
    await expect(iterator.next()).rejects.toThrow('too late')
    expect(state.handlerCalls).toBe(0)
  })

  it("a timeout between chunks ends the iteration with TimeoutError and runs the child's finally", async () => {
    const { pair, state } = setup()
    const iterator = pair.call.stalling(undefined, { timeout: 50 })
    expect((await iterator.next()).value).toBe(1)
    const error = await iterator.next().catch((e: unknown) => e)
    expect(error).toBeInstanceOf(TimeoutError)
    expect(await state.finallyRan.promise).toBeInstanceOf(TimeoutError)
  })

  it("a slow consumer does not time out: only the consumer's waits count", async () => {
    const { pair } = setup()
    const chunks: number[] = []
    for await (const chunk of pair.call.count(3, { timeout: 30 })) {
      chunks.push(chunk)
      await delay(60)
    }
    expect(chunks).toEqual([0, 1, 2])
  })
})

describe('errors in streams', () => {
  it('an error thrown mid-stream reaches the consumer after the chunks before it, marshalled like a call error', async () => {
    const { pair } = setup()
    const chunks: string[] = []
    const error = await (async () => {
      for await (const chunk of pair.call.failing(2)) chunks.push(chunk)
    })().catch((e: unknown) => e)
    expect(chunks).toEqual(['chunk 0', 'chunk 1'])
    expect(error).toBeInstanceOf(ParseError)
    expect((error as ParseError).line).toBe(2)
    expect((error as Error).stack).toContain('<forkrpc call "failing" from the parent>')
  })

  it('a handler that returns no AsyncIterable fails with a TypeError that says so', async () => {
    const { pair } = setup()
    await expect(pair.call.notIterable().next()).rejects.toThrow(/must return an AsyncIterable/)
  })

  it("a chunk that cannot be sent fails the stream with SerializationError and runs the generator's finally", async () => {
    const { pair, state } = setup()
    const iterator = pair.call.unsendable()
    expect((await iterator.next()).value).toBe(1)
    const error = await iterator.next().catch((e: unknown) => e)
    expect(error).toBeInstanceOf(SerializationError)
    expect(await state.finallyRan.promise).toBe('finally')
  })

  it('a closed channel ends a stream in flight with ChannelClosedError, and later streams fail at once', async () => {
    const { pair, state } = setup()
    const iterator = pair.call.stalling()
    expect((await iterator.next()).value).toBe(1)
    const next = iterator.next()
    await pair.close()
    await expect(next).rejects.toBeInstanceOf(ChannelClosedError)
    expect(await state.finallyRan.promise).toBeInstanceOf(AbortError)
    await expect(pair.call.count(1).next()).rejects.toBeInstanceOf(ChannelClosedError)
  })
})
