/**
 * A pool call runs in its caller's async context, whether it ran at once, waited in the queue,
 * or was retried on a new worker: the call interceptors (tracing's among them) see the caller's
 * AsyncLocalStorage stores, not those of whatever freed the worker.
 */
import { AsyncLocalStorage } from 'node:async_hooks'
import { describe, expect, it } from 'vitest'
import type { CallInterceptor } from '@forkrpc/core'
import { delay, startPool, until } from '../../fixtures/pool-harness.js'

const request = new AsyncLocalStorage<string>()

/** An interceptor that records, for each call, its procedure, its input and the request it was made in. */
function recorder(): { seen: string[]; interceptor: CallInterceptor } {
  const seen: string[] = []
  return { seen, interceptor: (call, next) => (seen.push(`${call.procedure}(${String(call.input)}) in ${request.getStore() ?? 'none'}`), next(call)) }
}

describe("a pool call in its caller's async context", () => {
  it('holds for calls that waited in the queue', async () => {
    const { seen, interceptor } = recorder()
    const pool = startPool({ max: 1, interceptors: { call: [interceptor] } })
    // The first waits for the worker to start, the others for the calls before them.
    await Promise.all(['a', 'b', 'c'].map((name, i) => request.run(name, () => pool.call.sleep(10 + i))))
    expect(seen.sort()).toEqual(['sleep(10) in a', 'sleep(11) in b', 'sleep(12) in c'])
  })

  it('holds for an idempotent call retried on a new worker after its worker died (its interceptors run once, around both attempts)', async () => {
    const { seen, interceptor } = recorder()
    const pool = startPool({ min: 1, max: 1, interceptors: { call: [interceptor] } })
    const pid = await pool.call.pid()
    const retried = request.run('retry', () => pool.call.sleepIdempotent(1_000))
    await until(() => pool.stats().inFlight === 1, 'the call in flight')
    await delay(100) // the call has reached the worker
    process.kill(pid, 'SIGKILL')
    expect((await retried).pid).not.toBe(pid)
    expect(seen).toEqual(['pid(undefined) in none', 'sleepIdempotent(1000) in retry'])
  })
})
