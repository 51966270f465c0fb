/**
 * Routing in a pool of real worker processes: `priority` (the highest leaves the queue
 * first, FIFO within one) and `key` (one key, one worker while it lives; a keyed call waits
 * for its busy worker; the key moves when its worker dies, an idempotent retry with it).
 */
import { describe, expect, it } from 'vitest'
import { WorkerExitedError } from '@forkrpc/core'
import { delay, idleWorkers, outcome, startPool, until } from '../../fixtures/pool-harness.js'
import { isAlive } from '../../helpers.js'

describe('a pool: priority', () => {
  it('runs the queued calls of higher priority first, and those of one priority in order', async () => {
    const pool = startPool({ max: 1 })
    await pool.ready()
    const order: string[] = []
    const busy = pool.call.sleep(300) // holds the only worker while the others queue
    const calls = (
      [
        ['low', -1],
        ['normal-1', 0],
        ['high-1', 10],
        ['normal-2', undefined],
        ['high-2', 10],
      ] as const
    ).map(([name, priority]) => pool.call.sleep(1, { priority }).then(() => order.push(name)))
    expect(pool.stats().queued).toBe(5)
    await Promise.all([busy, ...calls])
    expect(order).toEqual(['high-1', 'high-2', 'normal-1', 'normal-2', 'low'])
  })

  it('rejects a bad priority or key with a TypeError, never throwing', async () => {
    const pool = startPool({ max: 1 })
    let rejected: Promise<unknown> | undefined
    expect(() => (rejected = outcome(pool.call.sleep(1, { priority: Number.NaN })))).not.toThrow()
    expect(await rejected).toMatchObject({ name: 'TypeError', message: 'call "sleep": options.priority must be a finite number, got NaN' })
    // @ts-expect-error a key is a string
    await expect(pool.call.sleep(1, { key: 7 })).rejects.toThrow('call "sleep": options.key must be a string, got number')
    // @ts-expect-error a priority is a number
    await expect(pool.call.sleep(1, { priority: 'high' })).rejects.toBeInstanceOf(TypeError)
    expect(pool.stats()).toMatchObject({ workers: 0, starting: 0, queued: 0 })
  })
})

describe('a pool: keys', () => {
  it('sends the calls of one key to one worker, and spreads keys over the workers', async () => {
    const pool = startPool({ min: 2, max: 2, concurrency: 2 })
    await idleWorkers(pool, 2)
    const owners = new Map<string, number>()
    for (const tenant of ['a', 'b', 'c', 'd', 'e', 'f']) {
      const ran = await Promise.all(Array.from({ length: 3 }, () => pool.call.sleep(20, { key: `tenant:${tenant}` })))
      expect(new Set(ran.map((r) => r.pid)).size).toBe(1)
      owners.set(tenant, ran[0]!.pid)
    }
    // Six keys over two workers: both get some (the odds of all six on one are 1 in 32).
    expect(new Set(owners.values()).size).toBe(2)
    for (const [tenant, pid] of owners) expect((await pool.call.sleep(1, { key: `tenant:${tenant}` })).pid).toBe(pid)
  })

  it('makes a keyed call wait for its busy worker rather than go to an idle one', async () => {
    const pool = startPool({ min: 2, max: 2 })
    await idleWorkers(pool, 2)
    const first = pool.call.sleep(400, { key: 'k' })
    await until(() => pool.stats().busy === 1, 'the first call running')
    const second = pool.call.sleep(1, { key: 'k' })
    await delay(100)
    // The other worker is idle, yet the second call waits in the queue for the key's worker.
    expect(pool.stats()).toMatchObject({ busy: 1, idle: 1, queued: 1 })
    const [a, b] = await Promise.all([first, second])
    expect(b.pid).toBe(a.pid)
  })

  it("moves a key when its worker dies: an idempotent call's retry goes to the key's new owner", async () => {
    const pool = startPool({ min: 2, max: 2, concurrency: 2, backoff: 1 })
    await idleWorkers(pool, 2)
    const key = 'tenant:moves'
    const owner = await pool.call.pid(undefined, { key })
    const [other] = (await Promise.all([pool.call.sleep(1, { key: 'probe' }), pool.call.sleep(1)])).map((r) => r.pid).filter((pid) => pid !== owner)
    const retried = pool.call.sleepIdempotent(1_000, { key })
    const lost = outcome(pool.call.sleep(30_000, { key }))
    await until(() => pool.stats().inFlight === 2, 'both keyed calls running on the key\'s worker')
    await delay(100)
    process.kill(owner, 'SIGKILL')
    expect(await lost).toBeInstanceOf(WorkerExitedError)
    const ran = await retried
    expect(ran.pid).not.toBe(owner)
    expect(isAlive(ran.pid)).toBe(true)
    if (other !== undefined) expect(ran.pid).toBe(other) // the survivor took the key: the replacement was not ready yet
    // From now on the key stays with a live worker.
    const now = await pool.call.pid(undefined, { key })
    expect(now).not.toBe(owner)
    expect(await pool.call.pid(undefined, { key })).toBe(now)
  })
})
