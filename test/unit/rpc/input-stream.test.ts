import { setTimeout as delay } from 'node:timers/promises'
import { describe, expect, expectTypeOf, it } from 'vitest'
import { AbortError, ChannelClosedError, defineContract, inputStream, SerializationError, type HandlerContext } from '@forkrpc/core'
import { deferred, nextTurn, pairFor } from '../support.js'

const contract = defineContract({
  sum: inputStream<number, number>({ credit: 4 }),
  dates: inputStream<Date, string[]>(),
  firstTwo: inputStream<string, string[]>(),
  stuck: inputStream<number, never>(),
})

function setup() {
  const state = { taken: 0, stuckAborted: deferred<unknown>(), stuckStarted: deferred() }
  const pair = pairFor(contract, {
    async sum(chunks) {
      expectTypeOf(chunks).toEqualTypeOf<AsyncIterable<number>>()
      let total = 0
      for await (const n of chunks) {
        state.taken++
        total += n
      }
      return total
    },
    async dates(chunks) {
      const out: string[] = []
      for await (const date of chunks) out.push(date.toISOString())
      return out
    },
    async firstTwo(chunks) {
      const out: string[] = []
      for await (const line of chunks) {
        out.push(line)
        if (out.length === 2) break
      }
      return out
    },
    async stuck(chunks: AsyncIterable<number>, { signal }: HandlerContext) {
      signal.addEventListener('abort', () => state.stuckAborted.resolve(signal.reason), { once: true })
      state.stuckStarted.resolve()
      for await (const _ of chunks) await new Promise(() => {})
      throw new Error('unreachable')
    },
  })
  return { pair, state }
}

describe('input streams: the parent sends an iterable, the handler reads it', () => {
  it('sends every chunk of an async iterable or an array, and resolves with the result', async () => {
    const { pair } = setup()
    async function* numbers() {
      for (let i = 1; i <= 100; i++) yield i
    }
    expect(await pair.call.sum(numbers())).toBe(5050)
    expect(await pair.call.sum([1, 2, 3])).toBe(6)
    expect(await pair.call.sum([])).toBe(0)
  })

  it('keeps chunks exact on json', async () => {
    const { pair } = setup()
    expect(await pair.call.dates([new Date(Date.UTC(2021, 1, 3))])).toEqual(['2021-02-03T00:00:00.000Z'])
  })

  it('pulls from the source only as the handler keeps up (credit)', async () => {
    const { pair, state } = setup()
    let pulled = 0
    async function* source() {
      for (let i = 0; i < 1_000; i++) {
        pulled++
        yield i
      }
    }
    // The handler is stuck on its first chunk: the parent pulls the window (4) and waits.
    const call = pair.call.stuck(source(), { credit: 4 })
    await state.stuckStarted.promise
    for (let i = 0; i < 20; i++) await nextTurn()
    expect(pulled).toBe(4)
    await pair.close()
    await expect(call).rejects.toBeInstanceOf(ChannelClosedError)
  })

  it('a handler that stops reading early still returns, and the source is stopped', async () => {
    const { pair } = setup()
    let finallyRan = false
    async function* lines() {
      try {
        for (let i = 0; ; i++) yield `line ${i}`
      } finally {
        finallyRan = true
      }
    }
    expect(await pair.call.firstTwo(lines())).toEqual(['line 0', 'line 1'])
    await expect.poll(() => finallyRan).toBe(true)
  })

  it("a source that throws fails the call with its error and aborts the handler's signal", async () => {
    const { pair, state } = setup()
    async function* failing() {
      yield 1
      await state.stuckStarted.promise
      throw new RangeError('the source broke')
    }
    await expect(pair.call.stuck(failing())).rejects.toThrow(RangeError)
    expect(await state.stuckAborted.promise).toBeInstanceOf(AbortError)
  })

  it("a source whose iterator's next() gives a result that is not an object fails the call with a TypeError, and the handler's input ends with an error", async () => {
    const recorder = defineContract({ record: inputStream<number, number>() })
    let ended = deferred<{ seen: unknown[]; error: unknown }>()
    const pair = pairFor(recorder, {
      async record(chunks) {
        const seen: unknown[] = []
        try {
          for await (const chunk of chunks) seen.push(chunk)
        } catch (error) {
          ended.resolve({ seen, error })
          throw error
        }
        ended.resolve({ seen, error: undefined })
        return seen.length
      },
    })
    // A first good result, then the bad one: it pulled `undefined` chunks until its credit ran out and hung, or failed with "Cannot read properties of undefined".
    for (const bad of [5, undefined, null, 'done']) {
      for (const sync of [true, false]) {
        ended = deferred()
        let pulls = 0
        const results = (): unknown => (pulls++ === 0 ? { value: 1, done: false } : bad)
        const source = { [Symbol.asyncIterator]: () => ({ next: sync ? results : async () => results() }) }
        const error = await pair.call.record(source as unknown as AsyncIterable<number>).catch((e: unknown) => e)
        expect(error).toBeInstanceOf(TypeError)
        expect((error as Error).message).toBe(`The input stream of "record": its iterator's next() returned ${String(bad)} (Iterator result ${String(bad)} is not an object)`)
        const { seen, error: handlerError } = await ended.promise
        expect(seen.every((chunk) => chunk === 1)).toBe(true)
        expect(handlerError).toBeInstanceOf(AbortError)
        expect(pulls).toBe(2)
      }
    }
  })

  it('an unsendable chunk fails the call with SerializationError', async () => {
    const { pair } = setup()
    await expect(pair.call.dates([new Date(), (() => 1) as unknown as Date])).rejects.toBeInstanceOf(SerializationError)
  })

  it('refuses what is not iterable', async () => {
    const { pair } = setup()
    await expect(pair.call.sum(5 as unknown as number[])).rejects.toThrow(/expected an AsyncIterable or an Iterable/)
  })

  it('a timeout covers the whole call', async () => {
    const { pair } = setup()
    async function* slow() {
      yield 1
      await delay(500)
      yield 2
    }
    await expect(pair.call.sum(slow(), { timeout: 50 })).rejects.toMatchObject({ name: 'TimeoutError' })
  })

  it('types: the caller passes an iterable of chunks', () => {
    const typeOnly = (p: ReturnType<typeof setup>['pair']): void => {
      // @ts-expect-error: chunks must be numbers
      void p.call.sum(['a'])
    }
    expect(typeof typeOnly).toBe('function')
  })
})
