/**
 * pool.stats() for a dashboard, on real worker processes: per procedure, the waits in the
 * queue and the run times of its calls (a call's wait in its worker's line, with
 * `prefetch`, counts as waiting, in processes and in threads); per worker, its calls, load
 * and utilisation.
 */
import { describe, expect, it } from 'vitest'
import { startPool, startThreadPool, until } from '../../fixtures/pool-harness.js'

describe('a pool: stats', () => {
  it('reports waits and run times per procedure, and each worker’s calls and utilisation', async () => {
    const pool = startPool({ min: 1, max: 1 })
    await pool.ready()
    expect(pool.stats().procedures).toEqual({})
    const [worker] = pool.stats().perWorker
    expect(worker).toMatchObject({ runtime: 'process', state: 'ready', load: 0, calls: 0, busyTime: 0, utilisation: 0 })
    // Five calls of 100 ms on one worker: each waits for those before it.
    const running = Array.from({ length: 5 }, () => pool.call.sleep(100))
    await until(() => pool.stats().perWorker[0]?.load === 1, 'a call running')
    expect(pool.stats().perWorker[0]).toMatchObject({ load: 1 })
    await Promise.all(running)
    await pool.call.pid()
    const { procedures, perWorker } = pool.stats()
    expect(Object.keys(procedures).sort()).toEqual(['pid', 'sleep'])
    const sleep = procedures.sleep!
    expect(sleep.runTime.count).toBe(5)
    expect(sleep.queueWait.count).toBe(5)
    // A run lasts at least the handler's 100 ms; the last call waited for the four before it.
    expect(sleep.runTime.p50).toBeGreaterThanOrEqual(99)
    expect(sleep.runTime.max).toBeGreaterThanOrEqual(sleep.runTime.p99)
    expect(sleep.queueWait.max).toBeGreaterThanOrEqual(4 * 99)
    expect(sleep.queueWait.p50).toBeGreaterThanOrEqual(2 * 99)
    expect(procedures.pid!.runTime.count).toBe(1)
    expect(perWorker).toHaveLength(1)
    const busy = perWorker[0]!
    expect(busy).toMatchObject({ state: 'ready', load: 0, calls: 6 })
    expect(busy.busyTime).toBeGreaterThanOrEqual(5 * 99)
    expect(busy.lifetime).toBeGreaterThanOrEqual(busy.busyTime)
    expect(busy.utilisation).toBeCloseTo(busy.busyTime / busy.lifetime, 5)
  })

  it.each([
    ['processes', 'sleep', startPool],
    ['threads', 'sleep', startThreadPool],
    ['processes', 'spin', startPool],
    ['threads', 'spin', startThreadPool],
  ] as const)('counts the wait for a slot on a worker (prefetch) as waiting, not running, in %s, for %s', async (_, procedure, start) => {
    const pool = start({ min: 1, max: 1, prefetch: undefined })
    await pool.ready()
    // Five calls of 100 ms, all sent to the one worker at once (the default prefetch is 4):
    // each waits there for those before it (in its line; behind a synchronous handler, in its
    // channel), and runs for 100 ms once it starts.
    await Promise.all(Array.from({ length: 5 }, () => pool.call[procedure](100)))
    expect(pool.stats().perWorker[0]?.calls).toBe(5)
    const sleep = pool.stats().procedures[procedure]!
    expect(sleep.runTime.count).toBe(5)
    expect(sleep.queueWait.count).toBe(5)
    expect(sleep.queueWait.max).toBeGreaterThanOrEqual(4 * 99)
    expect(sleep.queueWait.p50).toBeGreaterThanOrEqual(2 * 99)
    // The longest run is one handler's, not one handler's and the wait before it.
    expect(sleep.runTime.p50).toBeGreaterThanOrEqual(99)
    expect(sleep.runTime.max).toBeLessThan(sleep.queueWait.max)
  })

  it('lists workers still starting, with no lifetime yet', async () => {
    const pool = startPool({ max: 2 })
    const first = pool.call.pid()
    expect(pool.stats().perWorker).toEqual([expect.objectContaining({ state: 'starting', lifetime: 0, utilisation: 0, calls: 0 })])
    await first
    expect(pool.stats().procedures.pid?.runTime.count).toBe(1)
  })
})
