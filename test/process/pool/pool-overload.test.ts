/**
 * A pool under more load than it can serve, as a server puts on it: synchronous work on two
 * workers, calls with deadlines. The pool stays work-conserving: no sample of `stats()`
 * shows a call queued while a worker idles, with or without `prefetch`, in processes and in
 * threads (calls given up on whose handlers finish later used to leave workers idle beside a
 * full queue).
 */
import { describe, expect, it } from 'vitest'
import type { Pool } from '@forkrpc/core'
import { closedLoop } from '../../fixtures/overload-driver.js'
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
})
