import { describe, expect, expectTypeOf, it } from 'vitest'
import { defineContract, event, procedure, stream, type HandlerContext } from '@forkrpc/core'
import { deferred, nextTurn, pairFor } from '../support.js'

const contract = defineContract(
  {
    job: procedure<{ steps: number }, string>(),
    lines: stream<number, string>(),
    shout: procedure<string, void>(),
    undeclared: procedure<void, void>(),
  },
  {
    events: {
      progress: event<{ pct: number }>(),
      log: event<{ at: Date; text: string }>(),
    },
  },
)

type Ctx = HandlerContext<typeof contract.events>

const handlers = {
  async job({ steps }: { steps: number }, ctx: Ctx) {
    for (let i = 1; i <= steps; i++) {
      await nextTurn()
      ctx.emit('progress', { pct: Math.round((i / steps) * 100) })
    }
    return `${steps} steps`
  },
  async *lines(n: number, ctx: Ctx) {
    for (let i = 0; i < n; i++) {
      ctx.emit('progress', { pct: i })
      yield `line ${i}`
    }
  },
  shout(text: string, ctx: Ctx) {
    ctx.emit('log', { at: new Date(Date.UTC(2024, 5, 1)), text })
  },
  undeclared(_input: void, ctx: Ctx) {
    ;(ctx.emit as (name: string, payload: unknown) => void)('nope', 1)
  },
}

describe('events from handlers', () => {
  it('worker.on hears every event of that name, typed, until removed', async () => {
    const pair = pairFor(contract, handlers)
    const seen: number[] = []
    const stop = pair.on('progress', (payload) => {
      expectTypeOf(payload).toEqualTypeOf<{ pct: number }>()
      seen.push(payload.pct)
    })
    await pair.call.job({ steps: 4 })
    await nextTurn()
    expect(seen).toEqual([25, 50, 75, 100])
    stop()
    await pair.call.job({ steps: 2 })
    await nextTurn()
    expect(seen).toEqual([25, 50, 75, 100])
  })

  it('payloads stay exact on json (a Date is a Date)', async () => {
    const pair = pairFor(contract, handlers)
    const heard = deferred<{ at: Date; text: string }>()
    pair.on('log', heard.resolve)
    await pair.call.shout('hi')
    const payload = await heard.promise
    expect(payload.at).toBeInstanceOf(Date)
    expect(payload.at.toISOString()).toBe('2024-06-01T00:00:00.000Z')
    expect(payload.text).toBe('hi')
  })

  it('worker.events() iterates the events, stops on break and ends when the worker is gone', async () => {
    const pair = pairFor(contract, handlers)
    const events = pair.events('progress')
    const first = pair.call.job({ steps: 4 })
    const seen: number[] = []
    for await (const { pct } of events) {
      seen.push(pct)
      if (pct === 50) break
    }
    expect(seen).toEqual([25, 50])
    await first
    await nextTurn()

    const rest = pair.events('progress')
    const done = (async () => {
      const all: number[] = []
      for await (const { pct } of rest) all.push(pct)
      return all
    })()
    await pair.call.job({ steps: 2 })
    await nextTurn()
    await pair.close()
    expect(await done).toEqual([50, 100])
  })

  it('onProgress hears only the progress of its own call', async () => {
    const pair = pairFor(contract, handlers)
    const a: number[] = []
    const b: number[] = []
    const [ra, rb] = await Promise.all([
      pair.call.job({ steps: 2 }, { onProgress: ({ pct }) => a.push(pct) }),
      pair.call.job({ steps: 4 }, { onProgress: ({ pct }) => b.push(pct) }),
    ])
    expect([ra, rb]).toEqual(['2 steps', '4 steps'])
    expect(a).toEqual([50, 100])
    expect(b).toEqual([25, 50, 75, 100])
  })

  it('onProgress hears progress events only, not the other events of its call', async () => {
    const pair = pairFor(contract, handlers)
    const heard: unknown[] = []
    const logged = deferred<string>()
    pair.on('log', ({ text }) => logged.resolve(text))
    await pair.call.shout('loud', { onProgress: (payload) => heard.push(payload) })
    expect(await logged.promise).toBe('loud')
    expect(heard).toEqual([])
  })

  it('onProgress works for streams too', async () => {
    const pair = pairFor(contract, handlers)
    const progress: number[] = []
    const lines: string[] = []
    for await (const line of pair.call.lines(3, { onProgress: ({ pct }) => progress.push(pct) })) lines.push(line)
    expect(lines).toEqual(['line 0', 'line 1', 'line 2'])
    expect(progress).toEqual([0, 1, 2])
  })

  it("a stream's events and chunks arrive in the order the handler produced them", async () => {
    const pair = pairFor(contract, handlers)
    const log: string[] = []
    for await (const line of pair.call.lines(3, { onProgress: ({ pct }) => log.push(`progress ${pct}`) })) log.push(line)
    expect(log).toEqual(['progress 0', 'line 0', 'progress 1', 'line 1', 'progress 2', 'line 2'])
  })

  it('emitting an event the contract does not declare throws in the handler', async () => {
    const pair = pairFor(contract, handlers)
    await expect(pair.call.undeclared()).rejects.toThrow(/"nope" is not an event of the contract/)
  })

  it('refuses to listen to an undeclared event, and a non-function onProgress', () => {
    const pair = pairFor(contract, handlers)
    expect(() => (pair.on as (name: string, listener: () => void) => void)('nope', () => {})).toThrow(TypeError)
    expect(() => (pair.events as (name: string) => unknown)('nope')).toThrow(/not an event of the contract/)
    return expect(pair.call.job({ steps: 1 }, { onProgress: 5 as unknown as () => void })).rejects.toThrow(/onProgress must be a function/)
  })

  it('types: onProgress exists only when the contract declares a progress event', () => {
    const quiet = defineContract({ job: procedure<void, void>() })
    type Options = NonNullable<Parameters<ReturnType<typeof pairFor<typeof quiet>>['call']['job']>[1]>
    expectTypeOf<Options>().not.toHaveProperty('onProgress')
    type LoudOptions = NonNullable<Parameters<ReturnType<typeof pairFor<typeof contract>>['call']['job']>[1]>
    expectTypeOf<LoudOptions>().toHaveProperty('onProgress')
    const typeOnly = (ctx: Ctx): void => {
      // @ts-expect-error: the payload must match the declared type
      ctx.emit('progress', { pct: 'x' })
      // @ts-expect-error: only declared events can be emitted
      ctx.emit('nope', 1)
    }
    expect(typeof typeOnly).toBe('function')
  })
})
