/**
 * Thread workers are registered like process workers: `workers()` lists them, `shutdownAll()`
 * stops them in stages, and `assertNoWorkers()` finds one left running.
 */
import { describe, expect, it } from 'vitest'
import { shutdownAll, spawnThread, workers } from '@forkrpc/core'
import { assertNoWorkers, WorkersStillRunningError } from '@forkrpc/testing'
import { lifecycle } from '../../fixtures/lifecycle.contract.js'
import { fixture, tsx } from '../../helpers.js'

/** A thread worker started directly (not through the helpers, which close theirs after each test). */
function startThread() {
  return spawnThread(lifecycle, fixture('lifecycle.worker.ts'), { execArgv: tsx })
}

describe('thread workers in the registry', () => {
  it('workers() lists a thread worker with its runtime, threadId and calls in flight, and forgets it once closed', async () => {
    const worker = await startThread()
    try {
      const pending = worker.call.sleep(200)
      expect(workers()).toEqual([{ runtime: 'thread', pid: process.pid, threadId: worker.threadId, module: fixture('lifecycle.worker.ts'), state: 'ready', inFlight: 1 }])
      await pending
      const closing = worker.close()
      expect(workers()[0]?.state).toBe('closing')
      expect(await closing).toEqual({ code: 0, signal: null, forced: false })
      expect(workers()).toEqual([])
    } finally {
      await worker.close()
    }
  })

  it('shutdownAll() stops thread workers in stages and reports how each ended', async () => {
    const worker = await startThread()
    const stuck = worker.call.spin(30_000).catch((error: unknown) => error) // a synchronous loop: only terminate() ends it
    await new Promise((resolve) => setTimeout(resolve, 50))
    const results = await shutdownAll({ grace: 100, killTimeout: 200 })
    expect(results).toEqual([{ runtime: 'thread', pid: process.pid, threadId: worker.threadId, module: fixture('lifecycle.worker.ts'), code: 1, signal: null, forced: true }])
    expect(await stuck).toMatchObject({ name: 'WorkerExitedError' })
    expect(workers()).toEqual([])
  })

  it('assertNoWorkers() rejects naming a thread worker left running, and stops it', async () => {
    const worker = await startThread()
    const error = await assertNoWorkers().catch((e: unknown) => e)
    expect(error).toBeInstanceOf(WorkersStillRunningError)
    expect((error as WorkersStillRunningError).workers).toMatchObject([{ runtime: 'thread', threadId: worker.threadId }])
    expect((error as Error).message).toContain(`thread ${worker.threadId} (ready, 0 call(s) in flight)`)
    expect(workers()).toEqual([])
    await expect(worker.call.sleep(1)).rejects.toMatchObject({ name: 'ChannelClosedError' })
  })
})
