/**
 * A pool call's onProgress hears the progress events of that call's handler, in processes
 * and in threads, whether the call ran at once or waited in the queue first.
 */
import { describe, expect, it } from 'vitest'
import { startPool, startThreadPool } from '../../fixtures/pool-harness.js'

describe.each([
  { runtime: 'process', start: () => startPool({ max: 1 }) },
  { runtime: 'thread', start: () => startThreadPool({ max: 1 }) },
] as const)('onProgress through a pool ($runtime)', ({ start }) => {
  it("passes each call's progress events to that call's onProgress only", async () => {
    const pool = start()
    const first: unknown[] = []
    const second: unknown[] = []
    // max 1, concurrency 1: the second call waits in the queue, then runs on the same worker.
    const results = await Promise.all([
      pool.call.steps(3, { onProgress: (progress) => first.push(progress) }),
      pool.call.steps(2, { onProgress: (progress) => second.push(progress) }),
    ])
    expect(results).toEqual([3, 2])
    expect(first).toEqual([
      { step: 1, of: 3 },
      { step: 2, of: 3 },
      { step: 3, of: 3 },
    ])
    expect(second).toEqual([
      { step: 1, of: 2 },
      { step: 2, of: 2 },
    ])
  })

  it('rejects a bad onProgress with a TypeError, without running the call', async () => {
    const pool = start()
    // @ts-expect-error onProgress must be a function
    await expect(pool.call.steps(1, { onProgress: 'yes' })).rejects.toThrow(/onProgress must be a function/)
    expect(pool.stats()).toMatchObject({ workers: 0, starting: 0, queued: 0 })
  })
})
