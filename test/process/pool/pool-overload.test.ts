/**
 * A pool under more load than it can serve, as a server puts on it: synchronous work on two
 * workers, calls with deadlines, in processes and in threads.
 * - It stays work-conserving: no sample of `stats()` shows a call queued while a worker
 *   idles, with or without `prefetch` (calls given up on whose handlers finish later used to
 *   leave workers idle beside a full queue).
 * - It keeps its goodput: at 2.5 times its capacity (measured in the test: the machine may
 *   be loaded) with 2 s deadlines, at least 60% of that capacity is spent on calls that
 *   succeed in time, with the default options (`overload: 'shed'`); the rest is refused at
 *   once with PoolOverloadedError rather than left to time out.
 */
import { describe, expect, it } from 'vitest'
import type { Pool } from '@forkrpc/core'
import { closedLoop, measureCapacity, openLoop } from '../../fixtures/overload-driver.js'
import { idleWorkers, startPool, startThreadPool, type PoolContract } from '../../fixtures/pool-harness.js'

const runtimes = [
  ['processes', startPool],
  ['threads', startThreadPool],
] as const

describe.each(runtimes)('a pool of %s under overload', (_, start) => {
  it.each([
    ['the default prefetch', undefined],
    ['prefetch 0', 0],
  ])('never idles a worker while calls wait in the queue, with %s', async (_name, prefetch) => {
    const pool: Pool<PoolContract> = start({ min: 2, max: 2, prefetch })
    await idleWorkers(pool, 2)
    // 90 calls of 20 ms for 2 workers: 900 ms of queue, more than the 400 ms deadline.
    const report = await closedLoop(pool, { callers: 60, burst: 30, spin: 20, timeout: 400, ms: 2_000 })
    expect(report.stalls, `samples with a call queued and a worker idle (of ${report.samples})`).toEqual([])
    expect(report.inTime).toBeGreaterThan(0)
  })

  it('spends at least 60% of its capacity on calls that succeed in time at 2.5x overload with 2 s deadlines, and refuses the rest at once', async () => {
    const pool: Pool<PoolContract> = start({ min: 2, max: 2, prefetch: undefined, timeout: 2_000 })
    await idleWorkers(pool, 2)
    const before = await measureCapacity(pool, { spin: 50, slots: 2, ms: 1_500 })
    const report = await openLoop(pool, { spin: 50, timeout: 2_000, perSecond: 2.5 * before, ms: 4_000 })
    // Other processes share the machine: its capacity is measured before and after, and averaged.
    const capacity = (before + (await measureCapacity(pool, { spin: 50, slots: 2, ms: 1_500 }))) / 2
    // From the first arrival until every call has settled: the time the pool was loaded.
    const goodput = report.inTime / ((report.elapsed / 1_000) * capacity)
    expect(goodput, `calls in time per second over capacity (${capacity.toFixed(1)}/s): ${JSON.stringify(report)}`).toBeGreaterThanOrEqual(0.6)
    expect(report.failed.PoolOverloadedError ?? 0).toBeGreaterThan(0)
    expect(pool.stats().shed).toBe(report.failed.PoolOverloadedError)
  }, 40_000)
})
