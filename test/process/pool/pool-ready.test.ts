/**
 * pool.ready(): resolves once Math.max(min, 1) workers serve (starting one when min is 0),
 * rejects with CrashLoopError when no worker can start, with ChannelClosedError once the
 * pool is closing; never throws. In processes and in threads.
 */
import { describe, expect, it } from 'vitest'
import { ChannelClosedError, CrashLoopError, StartupError, type Pool } from '@forkrpc/core'
import { outcome, record, startPool, startThreadPool, type PoolContract } from '../../fixtures/pool-harness.js'

const runtimes = [
  { runtime: 'process', start: (options: { min?: number; max?: number; maxStartupFailures?: number; backoff?: number } = {}, worker?: string) => startPool(options, worker) },
  { runtime: 'thread', start: (options: { min?: number; max?: number; maxStartupFailures?: number; backoff?: number } = {}, worker?: string) => startThreadPool(options, worker) },
] as const

describe.each(runtimes)('pool.ready() ($runtime)', ({ runtime, start }) => {
  it('starts one worker for it when min is 0, and resolves once that worker is ready', async () => {
    const pool = start({ max: 2 })
    const events = record(pool, 'spawn', 'ready')
    expect(pool.stats()).toMatchObject({ workers: 0, starting: 0 })
    await pool.ready()
    expect(pool.stats()).toMatchObject({ workers: 1, idle: 1, starting: 0 })
    expect(events.map(([kind, event]) => [kind, event.runtime])).toEqual([
      ['spawn', runtime],
      ['ready', runtime],
    ])
    // Resolves at once now, and starts nothing more.
    await pool.ready()
    expect(events).toHaveLength(2)
  })

  it('waits for min workers', async () => {
    const pool: Pool<PoolContract> = start({ min: 2, max: 3 })
    await pool.ready()
    expect(pool.stats()).toMatchObject({ workers: 2, idle: 2, starting: 0 })
  })

  it('rejects with CrashLoopError, the StartupError as its cause, when no worker can start', async () => {
    const pool = start({ max: 2, maxStartupFailures: 2, backoff: 10 }, 'throws-on-load.worker.ts')
    const exits = record(pool, 'exit')
    const error = await outcome(pool.ready())
    expect(error).toBeInstanceOf(CrashLoopError)
    expect((error as Error).message).toContain('2 worker(s) in a row failed to start')
    expect((error as Error).cause).toBeInstanceOf(StartupError)
    expect(exits.map(([, event]) => event.reason)).toEqual(['startup', 'startup'])
    // While the guard is tripped, ready() rejects at once.
    await expect(pool.ready()).rejects.toBeInstanceOf(CrashLoopError)
    expect(exits).toHaveLength(2)
  })

  it('rejects with ChannelClosedError once the pool is closing, and never throws', async () => {
    const pool = start({ max: 1 })
    let waiting: Promise<void> | undefined
    expect(() => (waiting = pool.ready())).not.toThrow()
    const closing = pool.close({ grace: 0, killTimeout: 500 })
    expect(await outcome(waiting as Promise<void>)).toBeInstanceOf(ChannelClosedError)
    let late: Promise<void> | undefined
    expect(() => (late = pool.ready())).not.toThrow()
    expect(await outcome(late as Promise<void>)).toBeInstanceOf(ChannelClosedError)
    await closing
  })
})
