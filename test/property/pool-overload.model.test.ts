/**
 * The overload policy on a fake clock, with simulated workers running synchronous work:
 * whatever the overload (1.5 to 4 times the pool's capacity), the number of workers, the
 * run time, the deadline and `prefetch`, a pool with the default `overload: 'shed'` spends
 * at least 80% of its capacity on calls that succeed in time (the target on real workers,
 * with a loaded machine's noise, is 60%), refuses only calls that have a
 * deadline, and its `stats().shed` counts its refusals. With `overload: 'queue'` the same
 * load leaves it far below.
 */
import fc from 'fast-check'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { PoolOverloadedError } from '../../packages/core/src/errors/pool-errors.js'
import { assemblePool } from '../../packages/core/src/pool/create-pool.js'
import type { OverloadMode } from '../../packages/core/src/pool/overload-policy.js'
import { simContract, SimulatedWorkers } from './simulated-workers.js'

interface Shape {
  readonly workers: number
  readonly ms: number
  readonly factor: number
  /** The deadline, in run times. */
  readonly deadlineRuns: number
  readonly prefetch: number
}

interface Outcome {
  readonly goodput: number
  readonly refused: number
  readonly shed: number
  readonly made: number
}

/** Resolves with `promise`'s outcome, moving the fake clock on meanwhile. */
async function whileTimePasses<T>(promise: Promise<T>): Promise<T> {
  let settled = false
  const done = promise.finally(() => (settled = true))
  while (!settled) await vi.advanceTimersByTimeAsync(10)
  return done
}

/** Calls arriving at `factor` times the capacity for 3 s (fake), each with its deadline: what the pool made of them. */
async function overload(shape: Shape, mode: OverloadMode): Promise<Outcome> {
  const sim = new SimulatedWorkers(10)
  const { pool } = assemblePool(simContract, 'simulated.worker.js', { min: shape.workers, max: shape.workers, prefetch: shape.prefetch, idleTimeout: 0, overload: mode }, sim.starter)
  const timeout = shape.deadlineRuns * shape.ms
  const capacity = (shape.workers * 1_000) / shape.ms
  const perSecond = shape.factor * capacity
  let inTime = 0
  let refused = 0
  let id = 0
  const calls: Array<Promise<void>> = []

  const call = (): Promise<void> => {
    const made = Date.now()
    const job = { id: ++id, ms: shape.ms, sync: true }
    return pool.call.work(job, { timeout }).then(
      () => {
        if (Date.now() - made <= timeout) inTime += 1
      },
      (error: unknown) => {
        if (error instanceof PoolOverloadedError) refused += 1
      },
    )
  }
  try {
    await whileTimePasses(pool.ready())
    await whileTimePasses(Promise.all(Array.from({ length: 3 }, () => call()))) // a history of runs to estimate from
    inTime = 0
    const started = Date.now()
    const arrivals = setInterval(() => {
      const due = Math.floor(((Math.min(Date.now() - started, 3_000) * perSecond) / 1_000))
      while (calls.length < due) calls.push(call())
    }, 10)
    await vi.advanceTimersByTimeAsync(3_000)
    clearInterval(arrivals)
    await whileTimePasses(Promise.all(calls))
    const elapsed = Date.now() - started
    return { goodput: inTime / ((elapsed / 1_000) * capacity), refused, shed: pool.stats().shed, made: calls.length }
  } finally {
    await whileTimePasses(pool.close({ grace: 0, killTimeout: 10 }))
  }
}

const shapes = fc.record({
  workers: fc.integer({ min: 1, max: 3 }),
  ms: fc.integer({ min: 20, max: 80 }),
  factor: fc.double({ min: 1.5, max: 4, noNaN: true }),
  deadlineRuns: fc.integer({ min: 8, max: 40 }),
  prefetch: fc.constantFrom(0, 4),
})

describe('a pool under overload (model, on a fake clock)', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'setImmediate', 'clearImmediate', 'Date', 'performance'] })
  })
  afterEach(() => {
    vi.useRealTimers()
  })

  it('spends at least 80% of its capacity on calls that succeed in time, and counts what it refuses', async () => {
    await fc.assert(
      fc.asyncProperty(shapes, async (shape) => {
        const outcome = await overload(shape, 'shed')
        expect(outcome.goodput, JSON.stringify(outcome)).toBeGreaterThanOrEqual(0.8)
        expect(outcome.shed).toBe(outcome.refused)
      }),
      { numRuns: 12 },
    )
  }, 60_000) // ~2 s of CPU; a loaded machine, or a counterexample shrinking, takes longer

  it("leaves the pool far below that with overload: 'queue', where calls wait until their deadline", async () => {
    const shape: Shape = { workers: 2, ms: 50, factor: 2.5, deadlineRuns: 40, prefetch: 4 }
    const queueing = await overload(shape, 'queue')
    const shedding = await overload(shape, 'shed')
    expect(queueing.refused).toBe(0)
    expect(shedding.goodput).toBeGreaterThanOrEqual(0.9)
    expect(queueing.goodput).toBeLessThan(shedding.goodput - 0.2)
  })
})
