import { describe, expect, it } from 'vitest'
import { AbortError, TimeoutError } from '@forkrpc/core'
import { lifecycle } from '../../fixtures/lifecycle.contract.js'
import { forkFixture } from '../../helpers.js'

/** Resolves with the next `{ observed: 'abort' }` message the worker sends outside the protocol. */
function nextAbortReport(worker: { process: import('node:child_process').ChildProcess }): Promise<{ reason: string; message: string }> {
  return new Promise((resolve) => {
    const listener = (message: unknown): void => {
      if ((message as { observed?: string })?.observed === 'abort') {
        worker.process.off('message', listener)
        resolve(message as { reason: string; message: string })
      }
    }
    worker.process.on('message', listener)
  })
}

describe('timeouts and cancellation across the process boundary', () => {
  it("a timeout rejects with TimeoutError and aborts the handler's signal in the child", async () => {
    const worker = await forkFixture(lifecycle, 'lifecycle.worker.ts')
    const report = nextAbortReport(worker)
    const error = await worker.call.awaitAbort(undefined, { timeout: 50 }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(TimeoutError)
    expect(error).toMatchObject({ procedure: 'awaitAbort', timeout: 50 })
    expect(await report).toMatchObject({ reason: 'TimeoutError' })
    // The worker is still fine, and the late reply was dropped.
    expect(await worker.call.sleep(1)).toBe('slept 1')
  })

  it('the default timeout from fork() applies to every call', async () => {
    const worker = await forkFixture(lifecycle, 'lifecycle.worker.ts', { timeout: 50 })
    await expect(worker.call.hang()).rejects.toMatchObject({ name: 'TimeoutError', timeout: 50 })
    expect(await worker.call.sleep(1, { timeout: 0 })).toBe('slept 1')
  })

  it("an AbortSignal rejects at once with its reason and aborts the handler's signal with AbortError", async () => {
    const worker = await forkFixture(lifecycle, 'lifecycle.worker.ts')
    const report = nextAbortReport(worker)
    const controller = new AbortController()
    const call = worker.call.awaitAbort(undefined, { signal: controller.signal })
    await worker.call.sleep(1)
    const reason = new Error('user pressed stop')
    controller.abort(reason)
    await expect(call).rejects.toBe(reason)
    expect(await report).toMatchObject({ reason: AbortError.name })
  })

  it('a timeout leaves no timer that keeps the parent busy once the worker is closed', async () => {
    const timers = (): number => process.getActiveResourcesInfo().filter((resource) => resource === 'Timeout').length
    const worker = await forkFixture(lifecycle, 'lifecycle.worker.ts')
    const before = timers()
    const call = worker.call.awaitAbort(undefined, { timeout: 60_000 }).catch((e: unknown) => e)
    expect(timers()).toBe(before + 1)
    await worker.call.sleep(1) // the awaitAbort request has reached the child
    // grace 0: SIGTERM at once; serve() aborts the handler, which rejects, and exits 0.
    expect(await worker.close({ grace: 0, killTimeout: 1_000 })).toEqual({ code: 0, signal: null, forced: false })
    expect(await call).toMatchObject({ name: 'AbortError', procedure: 'awaitAbort' })
    await new Promise((resolve) => setImmediate(resolve))
    // The call's 60 s timer went with the call, and close() left none of its own.
    expect(timers()).toBeLessThanOrEqual(before)
  })
})
