/**
 * The pool against real worker processes: crash recovery (WorkerExitedError, idempotent retries,
 * replacement), the crash-loop guard (backoff, trip, half-open) and random kills.
 */
import { describe, expect, it } from 'vitest'
import { CrashLoopError, StartupError, WorkerExitedError, type PoolEvents } from '@forkrpc/core'
import { startPool, record, next, until, idleWorkers, delay, outcome } from '../../fixtures/pool-harness.js'
import { childPids, isAlive } from '../../helpers.js'

describe('a pool: crash recovery', () => {
  it('rejects the calls of a worker that dies with WorkerExitedError, retries idempotent ones once, and replaces it', async () => {
    const pool = startPool({ min: 1, max: 1, concurrency: 4 })
    const events = record(pool, 'exit', 'restart', 'ready')
    const pid = await pool.call.pid()
    const plain = [outcome(pool.call.sleep(30_000)), outcome(pool.call.sleep(30_000))]
    // Long enough to be still running at the kill, short enough for the retry.
    const idempotent = pool.call.sleepIdempotent(3_000)
    await until(() => pool.stats().inFlight === 3, 'three calls in flight')
    await delay(100) // the calls have reached the worker
    process.kill(pid, 'SIGKILL')
    for (const error of await Promise.all(plain)) {
      expect(error).toBeInstanceOf(WorkerExitedError)
      expect(error).toMatchObject({ signal: 'SIGKILL', pid })
    }
    const retried = await idempotent
    expect(retried.pid).not.toBe(pid)
    expect(events).toContainEqual(['exit', { runtime: 'process', pid, reason: 'crash', code: null, signal: 'SIGKILL' }])
    expect(events).toContainEqual(['restart', expect.objectContaining({ pid, reason: 'crash' })])
    expect(events.filter(([kind]) => kind === 'ready').map(([, event]) => event.pid)).toEqual([pid, retried.pid])
    expect(pool.stats()).toMatchObject({ state: 'running', restarts: 1, workers: 1 })
    expect(await pool.call.pid()).toBe(retried.pid)
  })

  it('fails an idempotent call whose retry dies too', async () => {
    const pool = startPool({ max: 1, backoff: 1 })
    pool.on('ready', ({ pid }) => setTimeout(() => isAlive(pid) && process.kill(pid, 'SIGKILL'), 150))
    const error = await outcome(pool.call.sleepIdempotent(5_000))
    expect(error).toBeInstanceOf(WorkerExitedError)
    expect(pool.stats().restarts).toBeGreaterThanOrEqual(2)
  })

  it('stops respawning workers that crash at startup, says so, and leaves no process', async () => {
    const pool = startPool({ max: 2, maxStartupFailures: 3, backoff: 10 }, 'throws-on-load.worker.ts')
    const events = record(pool, 'spawn', 'exit', 'restart', 'crashloop')
    const error = await outcome(pool.call.pid())
    expect(error).toBeInstanceOf(CrashLoopError)
    expect(error).toMatchObject({ code: 'ERR_FORKRPC_CRASH_LOOP', procedure: 'pid' })
    expect((error as Error).message).toContain('3 worker(s) in a row failed to start')
    const cause = (error as Error).cause as StartupError
    expect(cause).toBeInstanceOf(StartupError)
    expect(cause.message + String(cause.stderr)).toContain('boom while loading the worker')

    const crashloops = events.filter(([kind]) => kind === 'crashloop')
    expect(crashloops).toHaveLength(1)
    expect(crashloops[0]?.[1]).toMatchObject({ detail: expect.stringContaining('failed to start') })
    const exits = events.filter(([kind]) => kind === 'exit').map(([, event]) => event as PoolEvents['exit'])
    expect(exits.map((exit) => exit.reason)).toEqual(['startup', 'startup', 'startup'])
    expect(exits.every((exit) => exit.error instanceof StartupError)).toBe(true)
    expect(pool.stats().state).toBe('crash-loop')

    // No more starts: later calls fail at once, and nothing is running.
    const spawns = events.filter(([kind]) => kind === 'spawn').length
    expect(spawns).toBe(3)
    await expect(pool.call.pid()).rejects.toBeInstanceOf(CrashLoopError)
    await delay(500)
    expect(events.filter(([kind]) => kind === 'spawn').length).toBe(spawns)
    expect(childPids()).toEqual([])
  })

  it('backs off between failed starts, doubling the wait', async () => {
    const pool = startPool({ max: 1, maxStartupFailures: 3, backoff: 100 }, 'throws-on-load.worker.ts')
    const restarts = record(pool, 'restart')
    await expect(pool.call.pid()).rejects.toBeInstanceOf(CrashLoopError)
    expect(restarts.map(([, event]) => event)).toEqual([
      { runtime: 'process', pid: expect.any(Number), threadId: undefined, reason: 'startup', delay: expect.any(Number) },
      { runtime: 'process', pid: expect.any(Number), threadId: undefined, reason: 'startup', delay: expect.any(Number) },
    ])
    const [first, second] = restarts.map(([, event]) => event.delay)
    expect(first).toBeGreaterThan(50)
    expect(first).toBeLessThanOrEqual(100)
    expect(second).toBeGreaterThan(150)
    expect(second).toBeLessThanOrEqual(200)
  })

  it('tries one start again after restartWindow, and trips again if it fails', async () => {
    const pool = startPool({ max: 2, maxStartupFailures: 2, backoff: 10, restartWindow: 400 }, 'throws-on-load.worker.ts')
    const events = record(pool, 'spawn', 'crashloop')
    const count = (kind: 'spawn' | 'crashloop'): number => events.filter(([seen]) => seen === kind).length
    await expect(pool.call.pid()).rejects.toBeInstanceOf(CrashLoopError)
    expect([count('spawn'), count('crashloop')]).toEqual([2, 1])
    await delay(600)
    // Half-open: a single start is tried (not max), and its failure trips the guard again.
    await expect(pool.call.pid()).rejects.toBeInstanceOf(CrashLoopError)
    expect([count('spawn'), count('crashloop')]).toEqual([3, 2])
    expect(pool.stats().state).toBe('crash-loop')
  })

  it('restarts a crashed worker to keep min running without any call waiting', async () => {
    const pool = startPool({ min: 2, max: 2 })
    await idleWorkers(pool, 2)
    const [victim] = childPids()
    const restart = next(pool, 'restart')
    process.kill(victim as number, 'SIGKILL')
    expect(await restart).toMatchObject({ pid: victim, reason: 'crash' })
    await idleWorkers(pool, 2)
    expect(childPids()).toHaveLength(2)
    expect(childPids()).not.toContain(victim)
    expect(pool.stats()).toMatchObject({ restarts: 1, state: 'running' })
  })

  it('rejects 100 calls in flight with WorkerExitedError when their worker is SIGKILLed', async () => {
    const pool = startPool({ min: 1, max: 1, concurrency: 100 })
    const pid = await pool.call.pid()
    const calls = Array.from({ length: 100 }, () => outcome(pool.call.sleep(30_000)))
    await until(() => pool.stats().inFlight === 100, '100 calls in flight')
    await delay(100) // they have reached the worker
    process.kill(pid, 'SIGKILL')
    for (const error of await Promise.all(calls)) expect(error).toMatchObject({ name: 'WorkerExitedError', pid, signal: 'SIGKILL' })
  })

  it('trips the guard when more than maxRestarts ready workers die within the window', async () => {
    const pool = startPool({ max: 1, maxRestarts: 1, backoff: 1 })
    const crashloop = next(pool, 'crashloop')
    process.kill(await pool.call.pid(), 'SIGKILL')
    process.kill(await pool.call.pid(), 'SIGKILL')
    expect(await crashloop).toMatchObject({ detail: expect.stringContaining('maxRestarts: 1') })
    await until(() => pool.stats().workers === 0, 'the dead worker to be gone')
    expect(pool.stats().state).toBe('crash-loop')
    await expect(pool.call.pid()).rejects.toBeInstanceOf(CrashLoopError)
  })

  it('keeps answering while its workers are killed at random', { timeout: 60_000 }, async () => {
    const pool = startPool({ min: 2, max: 2, concurrency: 2, maxRestarts: Infinity, backoff: 5, maxBackoff: 50 })
    const ready = new Set<number>()
    pool.on('ready', ({ pid }) => ready.add(pid))
    pool.on('exit', ({ pid }) => ready.delete(pid))
    await until(() => ready.size === 2, 'two ready workers')
    // A worker takes about a second to start under tsx on a busy machine: kill one of the
    // ready ones every 150-300 ms, so that the pool is often short of workers.
    let killing = true
    let kills = 0
    const killer = (async () => {
      while (killing) {
        await delay(150 + Math.random() * 150)
        const pids = [...ready]
        const pid = pids[Math.floor(Math.random() * pids.length)]
        if (killing && pid !== undefined && isAlive(pid)) {
          ready.delete(pid) // killed once only, even before the pool has seen it go
          process.kill(pid, 'SIGKILL')
          kills += 1
        }
      }
    })()
    const results: Array<{ ok: boolean; idempotent: boolean; error?: unknown }> = []
    const stream = Array.from({ length: 150 }, async (_, i) => {
      await delay(i * 20)
      const idempotent = i % 2 === 0
      try {
        await (idempotent ? pool.call.sleepIdempotent(20) : pool.call.sleep(20))
        results.push({ ok: true, idempotent })
      } catch (error) {
        results.push({ ok: false, idempotent, error })
      }
    })
    await Promise.all(stream)
    killing = false
    await killer
    expect(kills).toBeGreaterThanOrEqual(3)
    // Every failure is a worker dying mid-call (an idempotent call only when its retry died
    // too); the pool itself never wedges, never trips, never answers with anything else.
    for (const result of results.filter((r) => !r.ok)) expect(result.error).toBeInstanceOf(WorkerExitedError)
    expect(results.filter((r) => r.ok).length).toBeGreaterThan(results.length / 2)
    expect(pool.stats()).toMatchObject({ state: 'running', restarts: kills })
    // Once the killing stops, every call succeeds.
    const after = await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 === 0 ? pool.call.sleep(5) : pool.call.pid())))
    expect(after).toHaveLength(10)
  })
})
