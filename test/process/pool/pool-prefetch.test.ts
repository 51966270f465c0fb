/**
 * `prefetch`: a pool sends a worker calls beyond `concurrency`, which wait in the worker, in
 * order, and start the moment a slot frees; the worker never runs more than `concurrency` at
 * once. A call that waits there and is cancelled, or whose deadline passes, never runs; one
 * whose worker dies fails like a running one (an idempotent one is retried). Calls waiting
 * behind a handler that does not end move to a worker that has a free slot.
 */
import { describe, expect, it } from 'vitest'
import { DEFAULT_PREFETCH, TimeoutError, WorkerExitedError } from '@forkrpc/core'
import { idleWorkers, outcome, startPool, until } from '../../fixtures/pool-harness.js'

describe('a pool with prefetch', () => {
  it('sends a worker up to concurrency + prefetch calls, which it runs concurrency at a time, in order', async () => {
    const pool = startPool({ min: 1, max: 1, concurrency: 1, prefetch: 2 })
    await idleWorkers(pool, 1)
    const ended: number[] = []
    const calls = [0, 1, 2, 3, 4].map((i) => pool.call.sleep(80).then((ran) => (ended.push(i), ran)))
    expect(pool.stats()).toMatchObject({ inFlight: 3, queued: 2 })
    const ran = await Promise.all(calls)
    expect(ran.map((r) => r.peak)).toEqual([1, 1, 1, 1, 1])
    expect(ended).toEqual([0, 1, 2, 3, 4])
  })

  it(`sends DEFAULT_PREFETCH (${DEFAULT_PREFETCH}) calls ahead by default`, async () => {
    const pool = startPool({ min: 1, max: 1, prefetch: undefined })
    await idleWorkers(pool, 1)
    const calls = Array.from({ length: DEFAULT_PREFETCH + 3 }, () => pool.call.sleep(50))
    expect(pool.stats()).toMatchObject({ inFlight: 1 + DEFAULT_PREFETCH, queued: 2 })
    expect((await Promise.all(calls)).every((r) => r.peak === 1)).toBe(true)
  })

  it('a call waiting in the worker that is cancelled or runs out of time never runs', async () => {
    const pool = startPool({ min: 1, max: 1, concurrency: 1, prefetch: 3 })
    await idleWorkers(pool, 1)
    const first = pool.call.sleep(400)
    // Both would hold the worker for 3 s if they ran (sleep ignores its signal).
    const controller = new AbortController()
    const cancelled = outcome(pool.call.sleep(3_000, { signal: controller.signal }))
    const timedOut = outcome(pool.call.sleep(3_000, { timeout: 100 }))
    const last = pool.call.sleep(10)
    await until(() => pool.stats().inFlight === 4, 'all four sent to the worker')
    controller.abort(new Error('not needed'))
    expect(await cancelled).toMatchObject({ message: 'not needed' })
    expect(await timedOut).toBeInstanceOf(TimeoutError)
    const firstDone = await first
    const started = Date.now()
    await last
    // It started right after the first: the two in between left the worker's line unrun.
    expect(Date.now() - started).toBeLessThan(1_500)
    expect(firstDone.peak).toBe(1)
  })

  it('moves the calls waiting behind a handler that does not end to a worker with a free slot, where each runs once', async () => {
    const pool = startPool({ min: 2, max: 2, concurrency: 1, prefetch: 4 })
    await idleWorkers(pool, 2)
    const stop = new AbortController()
    // Ten slots, ten calls: the hung call and four more on one worker, five on the other.
    const hung = outcome(pool.call.wait(60_000, { signal: stop.signal }))
    const quick = Array.from({ length: 9 }, () => pool.call.sleep(30))
    expect(pool.stats()).toMatchObject({ inFlight: 10, queued: 0 })
    const all = Promise.all(quick)
    const ran = await Promise.race([all, new Promise<'stuck'>((resolve) => setTimeout(() => resolve('stuck'), 10_000).unref())])
    expect(ran).not.toBe('stuck') // before, four of them waited for the hung call's 60 s
    const runs = ran as Awaited<typeof all>
    // All ran on the free worker in the end, one at a time there.
    const pids = new Set(runs.map((r) => r.pid))
    expect(pids.size).toBe(1)
    expect(runs.every((r) => r.peak === 1)).toBe(true)
    expect(pool.stats().procedures['sleep']?.runTime.count).toBe(9) // a call taken back is not counted as a run
    // Nor as a call done by the worker it left: the stuck one has done none, the other all nine.
    expect(pool.stats().perWorker.map((w) => w.calls).sort()).toEqual([0, 9])
    stop.abort(new Error('done'))
    expect(await hung).toMatchObject({ message: 'done' })
  })

  it("takes the calls waiting in a worker that dies with it: they fail as running ones do, an idempotent one is retried", async () => {
    const pool = startPool({ min: 1, max: 1, concurrency: 1, prefetch: 2 })
    await idleWorkers(pool, 1)
    const pid = await pool.call.pid()
    const running = outcome(pool.call.sleep(2_000))
    const waiting = outcome(pool.call.sleep(10))
    const retried = pool.call.sleepIdempotent(10)
    await until(() => pool.stats().inFlight === 3, 'all three sent to the worker')
    process.kill(pid, 'SIGKILL')
    expect(await running).toBeInstanceOf(WorkerExitedError)
    expect(await waiting).toBeInstanceOf(WorkerExitedError)
    expect((await retried).pid).not.toBe(pid)
  })
})
