/**
 * The pool against real worker processes: dispatch to the least busy worker, concurrency and max,
 * the bounded queue, and queued calls that honour their own timeout and signal.
 */
import { describe, expect, it } from 'vitest'
import { createPool, QueueFullError, TimeoutError } from '@forkrpc/core'
import { poolContract } from '../../fixtures/pool.contract.js'
import { startPool, record, idleWorkers, delay, outcome } from '../../fixtures/pool-harness.js'
import { childPids, fixture } from '../../helpers.js'

describe('a pool: dispatch and the queue', () => {
  it('answers typed calls like a single worker', async () => {
    const pool = startPool({ max: 1 })
    const pid = await pool.call.pid()
    expect(typeof pid).toBe('number')
    expect(childPids()).toEqual([pid])
    const ran = await pool.call.sleep(1)
    expect(ran).toEqual({ pid, threadId: 0, peak: 1 })
    // @ts-expect-error sleep takes a number
    await expect(pool.call.sleep('1')).resolves.toBeDefined()
  })

  it('starts workers on demand, never more than max, and runs at most concurrency calls on each', async () => {
    const pool = startPool({ max: 2, concurrency: 2 })
    const events = record(pool, 'spawn')
    expect(pool.stats()).toMatchObject({ workers: 0, starting: 0 })
    const ran = await Promise.all(Array.from({ length: 8 }, () => pool.call.sleep(150)))
    expect(events.filter(([kind]) => kind === 'spawn')).toHaveLength(2)
    expect(new Set(ran.map((r) => r.pid)).size).toBeLessThanOrEqual(2)
    for (const r of ran) expect(r.peak).toBeLessThanOrEqual(2)
    expect(Math.max(...ran.map((r) => r.peak))).toBe(2)
  })

  it('sends each call to the least busy worker', async () => {
    const pool = startPool({ min: 2, max: 2, concurrency: 4 })
    await idleWorkers(pool, 2)
    const ran = await Promise.all(Array.from({ length: 4 }, () => pool.call.sleep(1_000)))
    const [a, b] = [...new Set(ran.map((r) => r.pid))]
    expect(b).toBeDefined()
    // Alternately: each worker got two of the four, and ran them together.
    expect(ran.map((r) => r.pid)).toEqual([a, b, a, b])
    expect(ran.map((r) => r.peak)).toEqual([2, 2, 2, 2])
    // And a call goes to the idle worker rather than the busy one.
    const busy = pool.call.sleep(400)
    await delay(50)
    const next = await pool.call.sleep(1)
    expect(next.pid).not.toBe((await busy).pid)
  })

  it('counts busy and idle workers, queued calls and calls in flight', async () => {
    const pool = startPool({ min: 2, max: 2 })
    expect(pool.stats()).toMatchObject({ state: 'running', queued: 0, inFlight: 0 })
    await idleWorkers(pool, 2)
    expect(pool.stats()).toMatchObject({ workers: 2, starting: 0, busy: 0, idle: 2 })
    const calls = [pool.call.sleep(300)]
    expect(pool.stats()).toMatchObject({ busy: 1, idle: 1, queued: 0, inFlight: 1 })
    calls.push(pool.call.sleep(300), pool.call.sleep(300), pool.call.sleep(300))
    expect(pool.stats()).toMatchObject({ workers: 2, busy: 2, idle: 0, queued: 2, inFlight: 2 })
    await Promise.all(calls)
    expect(pool.stats()).toMatchObject({ workers: 2, busy: 0, idle: 2, queued: 0, inFlight: 0, restarts: 0 })
  })

  it('rejects a call with QueueFullError when maxQueue calls are waiting already', async () => {
    const pool = startPool({ min: 1, max: 1, maxQueue: 1 })
    await idleWorkers(pool, 1)
    const running = pool.call.sleep(200)
    const queued = pool.call.sleep(1)
    const error = await outcome(pool.call.pid())
    expect(error).toBeInstanceOf(QueueFullError)
    expect(error).toMatchObject({ code: 'ERR_FORKRPC_QUEUE_FULL', maxQueue: 1, procedure: 'pid' })
    // The running and the queued call are not affected.
    const [a, b] = await Promise.all([running, queued])
    expect(a.pid).toBe(b.pid)
  })

  it('maxQueue counts only calls beyond what running and starting workers will take: a cold pool takes a burst it can serve', async () => {
    const pool = startPool({ max: 2, maxQueue: 0 })
    const served = [pool.call.sleep(50), pool.call.sleep(50)] // two workers start for them
    expect(await outcome(pool.call.pid())).toBeInstanceOf(QueueFullError)
    const results = await Promise.all(served)
    expect(results).toHaveLength(2) // both served (by whichever worker was ready first)
    expect(pool.stats().restarts).toBe(0)
  })

  it('times out a queued call after its own timeout, queue time included', async () => {
    const pool = startPool({ min: 1, max: 1 })
    await idleWorkers(pool, 1)
    const running = pool.call.sleep(3_000)
    const started = Date.now()
    const error = await outcome(pool.call.pid(undefined, { timeout: 100 }))
    expect(error).toBeInstanceOf(TimeoutError)
    expect(error).toMatchObject({ code: 'ERR_FORKRPC_TIMEOUT', timeout: 100, procedure: 'pid' })
    // It left the queue without waiting for the running call.
    expect(Date.now() - started).toBeLessThan(2_500)
    expect(pool.stats().queued).toBe(0)
    await running
  })

  it("reports the call's own timeout when it ran out on the worker after waiting in the queue", async () => {
    const pool = startPool({ min: 1, max: 1 })
    await idleWorkers(pool, 1)
    const running = pool.call.sleep(300)
    // 600 ms in all: about 300 in the queue, the rest on the worker, where it runs out.
    const error = await outcome(pool.call.wait(2_000, { timeout: 600 }))
    expect(error).toBeInstanceOf(TimeoutError)
    expect(error).toMatchObject({ timeout: 600, procedure: 'wait' })
    await running
  })

  it('honours the timeout of the pool and of the procedure for queued calls', async () => {
    const pool = startPool({ min: 1, max: 1, timeout: 150 })
    await idleWorkers(pool, 1)
    const running = outcome(pool.call.sleep(400))
    await expect(pool.call.pid()).rejects.toMatchObject({ name: 'TimeoutError', timeout: 150 })
    expect(await running).toBeInstanceOf(TimeoutError)
  })

  it("rejects a queued call with its signal's reason when the signal aborts", async () => {
    const pool = startPool({ min: 1, max: 1 })
    await idleWorkers(pool, 1)
    const running = pool.call.sleep(500)
    const controller = new AbortController()
    const queued = outcome(pool.call.pid(undefined, { signal: controller.signal }))
    expect(pool.stats().queued).toBe(1)
    const reason = new Error('the user went away')
    controller.abort(reason)
    expect(await queued).toBe(reason)
    expect(pool.stats().queued).toBe(0)
    // An already aborted signal rejects at once.
    await expect(pool.call.pid(undefined, { signal: AbortSignal.abort(reason) })).rejects.toBe(reason)
    await running
  })

  it('rejects bad options with a TypeError', () => {
    expect(() => createPool(poolContract, fixture('pool.worker.ts'), { min: 3, max: 2 })).toThrow(TypeError)
    expect(() => createPool(poolContract, fixture('pool.worker.ts'), { concurrency: 0 })).toThrow(/concurrency/)
    expect(() => createPool(poolContract, fixture('pool.worker.ts'), { maxHeapBytes: -1 })).toThrow(/maxHeapBytes/)
    expect(() => createPool(poolContract, fixture('pool.worker.ts'), { maxStartupFailures: 0 })).toThrow(/maxStartupFailures/)
    expect(childPids()).toEqual([])
  })
})
