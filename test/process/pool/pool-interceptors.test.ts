/**
 * A pool's `call` interceptors run once per call, in the pool, around everything the call
 * goes through: its wait in the queue (a queued call that times out is seen failing), and an
 * idempotent call's retry on another worker (seen once, with the retry's outcome). The
 * workers' peers do not run them again; the metadata they set still reaches the handler.
 */
import { describe, expect, it } from 'vitest'
import { TimeoutError, type CallInterceptor } from '@forkrpc/core'
import { delay, outcome, startPool, startThreadPool, until } from '../../fixtures/pool-harness.js'

/** An interceptor that numbers each call it sees in `metadata.seq` and records its outcome. */
function recorder(): { interceptor: CallInterceptor; seen: Array<{ procedure: string; options: unknown; outcome?: unknown }> } {
  const seen: Array<{ procedure: string; options: unknown; outcome?: unknown }> = []
  const interceptor: CallInterceptor = async (call, next) => {
    const entry: { procedure: string; options: unknown; outcome?: unknown } = { procedure: call.procedure, options: call.options }
    seen.push(entry)
    call.metadata.seq = String(seen.length)
    try {
      return (entry.outcome = await next(call))
    } catch (error) {
      entry.outcome = error
      throw error
    }
  }
  return { interceptor, seen }
}

describe('a pool: interceptors', () => {
  for (const runtime of ['process', 'thread'] as const) {
    it(`runs them once per call, and sends their metadata to the handler (${runtime})`, async () => {
      const { interceptor, seen } = recorder()
      const options = { max: 2, interceptors: { call: [interceptor] } }
      const pool = runtime === 'thread' ? startThreadPool(options) : startPool(options)
      expect(await pool.call.metadata(undefined, { key: 'a', priority: 2 })).toEqual({ seq: '1' })
      expect(await Promise.all([pool.call.metadata(), pool.call.metadata()])).toEqual([{ seq: '2' }, { seq: '3' }])
      expect(seen).toHaveLength(3)
      // The interceptor sees the call's own options, routing included.
      expect(seen[0]).toMatchObject({ procedure: 'metadata', options: { key: 'a', priority: 2 }, outcome: { seq: '1' } })
    })
  }

  it("runs once around a queued call's wait: a call that times out in the queue is seen failing", async () => {
    const { interceptor, seen } = recorder()
    const pool = startPool({ max: 1, interceptors: { call: [interceptor] } })
    const busy = pool.call.sleep(600)
    const queued = outcome(pool.call.sleep(1, { timeout: 150 }))
    expect(await queued).toBeInstanceOf(TimeoutError)
    await busy
    expect(seen.map((entry) => [entry.procedure, entry.outcome instanceof TimeoutError])).toEqual([
      ['sleep', false],
      ['sleep', true],
    ])
  })

  it("runs once around an idempotent call's retry on another worker, and sees the retry's outcome", async () => {
    const { interceptor, seen } = recorder()
    const pool = startPool({ min: 1, max: 1, concurrency: 2, backoff: 1, interceptors: { call: [interceptor] } })
    const pid = await pool.call.pid()
    const retried = pool.call.sleepIdempotent(1_000)
    await until(() => pool.stats().inFlight === 1, 'the call running')
    await delay(100)
    process.kill(pid, 'SIGKILL')
    const ran = await retried
    expect(ran.pid).not.toBe(pid)
    expect(seen.map((entry) => entry.procedure)).toEqual(['pid', 'sleepIdempotent'])
    expect(seen[1]?.outcome).toEqual(ran)
  })
})
