import { describe, expect, it } from 'vitest'
import { ChannelClosedError, WorkerExitedError } from '@forkrpc/core'
import { lifecycle } from '../../fixtures/lifecycle.contract.js'
import { forkFixture, isAlive } from '../../helpers.js'

describe('close()', () => {
  it('stops an idle worker by closing its channel: exit code 0, not forced', async () => {
    const worker = await forkFixture(lifecycle, 'lifecycle.worker.ts')
    expect(await worker.close()).toEqual({ code: 0, signal: null, forced: false })
    expect(isAlive(worker.pid)).toBe(false)
  })

  it('lets calls in flight finish within the grace period', async () => {
    const worker = await forkFixture(lifecycle, 'lifecycle.worker.ts')
    const inFlight = worker.call.sleep(300)
    await worker.call.sleep(1) // the slow call has reached the child
    const closed = worker.close({ grace: 10_000 })
    expect(await inFlight).toBe('slept 300')
    expect(await closed).toEqual({ code: 0, signal: null, forced: false })
  })

  it('refuses new calls once closing, with ChannelClosedError', async () => {
    const worker = await forkFixture(lifecycle, 'lifecycle.worker.ts')
    const closed = worker.close()
    await expect(worker.call.sleep(1)).rejects.toBeInstanceOf(ChannelClosedError)
    await closed
    await expect(worker.call.sleep(1)).rejects.toMatchObject({ code: 'ERR_FORKRPC_CHANNEL_CLOSED', procedure: 'sleep' })
  })

  it('sends SIGTERM when a call outlives the grace period; the worker aborts the handler and exits 0', async () => {
    const worker = await forkFixture(lifecycle, 'lifecycle.worker.ts')
    const running = worker.call.awaitAbort().catch((error: unknown) => error)
    await worker.call.sleep(1)
    let settled = false
    void running.then(() => (settled = true))
    const result = await worker.close({ grace: 100, killTimeout: 5_000 })
    expect(result).toEqual({ code: 0, signal: null, forced: false })
    await Promise.resolve() // let the already-rejected call's handlers run
    expect(settled).toBe(true) // close() resolved only after the call in flight had settled
    expect(await running).toMatchObject({ name: 'AbortError', procedure: 'awaitAbort', message: expect.stringContaining('shutting down (SIGTERM)') })
  })

  it('rejects a call whose handler ignores the shutdown with WorkerExitedError once the worker gives up on it', async () => {
    const worker = await forkFixture(lifecycle, 'lifecycle.worker.ts', { env: { ...process.env, SHUTDOWN_TIMEOUT: '200' } })
    const hung = worker.call.hang().catch((error: unknown) => error)
    await worker.call.sleep(1)
    const result = await worker.close({ grace: 50, killTimeout: 5_000 })
    expect(result).toEqual({ code: 1, signal: null, forced: false })
    expect(await hung).toMatchObject({ name: 'WorkerExitedError', exitCode: 1, procedure: 'hang' })
    expect((await hung as WorkerExitedError).stderr).toMatch(/the worker's shutdown \(\w+\): 1 handler\(s\) still running after their share of 200 ms/)
  })

  it.skipIf(process.platform === 'win32')('wakes a stopped (SIGSTOP) worker, which finishes its call in flight and exits 0 instead of being killed', async () => {
    const worker = await forkFixture(lifecycle, 'lifecycle.worker.ts')
    const inFlight = worker.call.sleep(200)
    await worker.call.sleep(1) // the slow call has reached the child
    process.kill(worker.pid, 'SIGSTOP')
    // Without the wake-up, grace and killTimeout would pass and the worker would end SIGKILLed.
    const result = await worker.close({ grace: 10_000, killTimeout: 10_000 })
    expect(result).toEqual({ code: 0, signal: null, forced: false })
    expect(await inFlight).toBe('slept 200')
  })

  it('SIGKILLs a worker that ignores SIGTERM after killTimeout and reports forced: true', async () => {
    const worker = await forkFixture(lifecycle, 'lifecycle.worker.ts', { env: { ...process.env, IGNORE_SIGTERM: '1' } })
    const hung = worker.call.hang().catch((error: unknown) => error)
    await worker.call.sleep(1)
    const result = await worker.close({ grace: 50, killTimeout: 200 })
    expect(result).toEqual({ code: null, signal: 'SIGKILL', forced: true })
    expect(await hung).toBeInstanceOf(WorkerExitedError)
  })

  it('returns the same result when called twice, and works with Symbol.asyncDispose', async () => {
    const worker = await forkFixture(lifecycle, 'lifecycle.worker.ts')
    const first = worker.close()
    const second = worker.close({ grace: 0 })
    expect(second).toBe(first)
    expect(await second).toEqual(await first)

    const disposed = await forkFixture(lifecycle, 'lifecycle.worker.ts')
    await disposed[Symbol.asyncDispose]()
    expect(isAlive(disposed.pid)).toBe(false)
    expect(await disposed.close()).toEqual({ code: 0, signal: null, forced: false })
  })

  it('rejects bad close options without closing', async () => {
    const worker = await forkFixture(lifecycle, 'lifecycle.worker.ts')
    await expect(worker.close({ grace: -5 })).rejects.toThrow(TypeError)
    // From JavaScript: options that are not an object closed the worker with the defaults (null threw synchronously).
    for (const options of ['x', 5, null]) {
      const closing = worker.close(options as never)
      await expect(closing).rejects.toThrow(TypeError)
      await expect(closing).rejects.toThrow('close(): options must be an object')
    }
    expect(await worker.call.sleep(1)).toBe('slept 1')
  })
})
