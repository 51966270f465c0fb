/**
 * Liveness in pools (`unresponsiveAfter` on createPool, for every worker): a worker stopped
 * with SIGSTOP or stuck in a synchronous loop has its calls rejected with
 * WorkerUnresponsiveError (idempotent ones retried on another worker), is killed and
 * replaced, and the pool says for how long it was silent. Processes and threads.
 */
import { describe, expect, it, vi } from 'vitest'
import { WorkerUnresponsiveError, type UnresponsiveEvent } from '@forkrpc/core'
import { idleWorkers, outcome, record, startPool, startThreadPool, until } from '../../fixtures/pool-harness.js'
import { isAlive } from '../../helpers.js'

const LIMIT = 500

describe('a pool: liveness', () => {
  it('gives up on a worker stopped with SIGSTOP: its calls fail (an idempotent one is retried elsewhere), it is killed and replaced', async () => {
    const onUnresponsive = vi.fn<(event: UnresponsiveEvent) => void>()
    const pool = startPool({ min: 2, max: 2, concurrency: 2, unresponsiveAfter: LIMIT, onUnresponsive })
    const events = record(pool, 'unresponsive', 'exit', 'ready')
    await idleWorkers(pool, 2)
    const key = 'tenant:stopped'
    const stopped = await pool.call.pid(undefined, { key })
    process.kill(stopped, 'SIGSTOP')
    const stoppedAt = Date.now()
    const plain = outcome(pool.call.sleep(60_000, { key })) // no timeout of its own
    const idempotent = pool.call.sleepIdempotent(50, { key })
    const error = await plain
    expect(error).toBeInstanceOf(WorkerUnresponsiveError)
    expect(error).toMatchObject({ code: 'ERR_FORKRPC_WORKER_UNRESPONSIVE', procedure: 'sleep', pid: stopped })
    expect((error as WorkerUnresponsiveError).silentFor).toBeGreaterThan(LIMIT)
    expect(Date.now() - stoppedAt).toBeLessThan(10_000)
    const retried = await idempotent
    expect(retried.pid).not.toBe(stopped)
    expect(isAlive(retried.pid)).toBe(true)

    await until(() => events.some(([kind, event]) => kind === 'exit' && event.pid === stopped), 'the exit of the stopped worker')
    const silence = events.find(([kind]) => kind === 'unresponsive')?.[1]
    expect(silence).toMatchObject({ runtime: 'process', pid: stopped, threadId: undefined })
    expect((silence as { silentFor: number }).silentFor).toBeGreaterThan(LIMIT)
    expect(events).toContainEqual(['exit', { runtime: 'process', pid: stopped, threadId: undefined, reason: 'unresponsive', code: null, signal: 'SIGKILL' }])
    expect(onUnresponsive).toHaveBeenCalledOnce()
    expect(onUnresponsive.mock.calls[0]?.[0].silentFor).toBeGreaterThan(LIMIT)
    expect(isAlive(stopped)).toBe(false)
    // Replaced, to keep min: a third worker became ready.
    await until(() => events.filter(([kind]) => kind === 'ready').length === 3, 'the replacement ready', 15_000)
    expect(pool.stats()).toMatchObject({ workers: 2, restarts: 1 })
  })

  it('gives up on a process stuck in a synchronous loop the same way', async () => {
    const pool = startPool({ max: 1, unresponsiveAfter: LIMIT })
    const events = record(pool, 'unresponsive', 'exit')
    const pid = await pool.call.pid()
    await expect(pool.call.spin(60_000)).rejects.toBeInstanceOf(WorkerUnresponsiveError)
    await until(() => events.length === 2, 'unresponsive and exit')
    expect(events.map(([kind, event]) => [kind, event.pid])).toEqual([
      ['unresponsive', pid],
      ['exit', pid],
    ])
    expect(await pool.call.pid()).not.toBe(pid)
  })

  it('gives up on a thread stuck in a synchronous loop: terminated and replaced', async () => {
    const pool = startThreadPool({ max: 1, unresponsiveAfter: LIMIT })
    const events = record(pool, 'unresponsive', 'exit')
    const threadId = await pool.call.threadId()
    const error = await outcome(pool.call.spin(60_000))
    expect(error).toBeInstanceOf(WorkerUnresponsiveError)
    expect(error).toMatchObject({ procedure: 'spin', pid: undefined })
    await until(() => events.length === 2, 'unresponsive and exit')
    expect(events[0]).toEqual(['unresponsive', { runtime: 'thread', pid: process.pid, threadId, silentFor: expect.any(Number) }])
    expect(events[1]).toEqual(['exit', expect.objectContaining({ runtime: 'thread', threadId, reason: 'unresponsive' })])
    const replacement = await pool.call.threadId()
    expect(replacement).not.toBe(threadId)
  })

  it('leaves alone a worker busy with asynchronous work longer than unresponsiveAfter', async () => {
    const pool = startPool({ max: 1, unresponsiveAfter: LIMIT })
    const events = record(pool, 'unresponsive', 'exit')
    const ran = await pool.call.sleep(4 * LIMIT)
    expect(await pool.call.pid()).toBe(ran.pid)
    expect(events).toEqual([])
  })
})
