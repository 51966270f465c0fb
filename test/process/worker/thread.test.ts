import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { isMainThread } from 'node:worker_threads'
import { describe, expect, it } from 'vitest'
import { ContractMismatchError, spawnThread, StartupError, type ThreadOptions } from '@forkrpc/core'
import { lifecycle } from '../../fixtures/lifecycle.contract.js'
import { math } from '../../fixtures/math.contract.js'
import { fixture, spawnThreadFixture } from '../../helpers.js'

/** Runs spawnThread() and returns its rejection, failing the test if it resolves. */
async function startupFailure(name: string, options: ThreadOptions = {}): Promise<Error> {
  return spawnThreadFixture(lifecycle, name, options).then(
    () => {
      throw new Error('spawnThread() resolved but should have failed')
    },
    (error: unknown) => error as Error,
  )
}

describe('spawnThread()', () => {
  it('runs the worker module in a thread of this process; serve() notices it is in a thread', async () => {
    const worker = await spawnThreadFixture(math, 'math.worker.ts')
    expect(worker.threadId).toBeGreaterThan(0)
    expect(worker.thread.threadId).toBe(worker.threadId)
    expect(await worker.call.add({ a: 20, b: 22 })).toBe(42)
    expect(isMainThread).toBe(true)
  })

  it('applies the limits of its options (maxPending) like fork() does', async () => {
    const worker = await spawnThreadFixture(lifecycle, 'lifecycle.worker.ts', { maxPending: 1 })
    const first = worker.call.sleep(50)
    await expect(worker.call.sleep(1)).rejects.toMatchObject({ name: 'TooManyPendingCallsError' })
    expect(await first).toBe('slept 50')
  })

  it('rejects a missing module with StartupError', async () => {
    const error = await spawnThread(math, fixture('does-not-exist.worker.js')).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(StartupError)
    expect((error as Error).message).toContain('does not exist')
  })

  it("rejects a module that throws while loading, quoting the thread's error", async () => {
    const error = (await startupFailure('throws-on-load.worker.ts')) as StartupError
    expect(error).toBeInstanceOf(StartupError)
    expect(error.exitCode).toBe(1)
    expect(error.stderr).toContain('boom while loading the worker')
  })

  it('rejects a module that never calls serve() within startupTimeout, and stops the thread', async () => {
    const error = (await startupFailure('never-serves.worker.ts', { startupTimeout: 300 })) as StartupError
    expect(error).toBeInstanceOf(StartupError)
    expect(error.message).toContain('did not call serve() within 300 ms')
  })

  it('rejects a thread that serves another contract with ContractMismatchError', async () => {
    const error = await startupFailure('mismatch.worker.ts')
    expect(error).toBeInstanceOf(ContractMismatchError)
  })

  it('close() asks the thread to shut down after the grace period: the handler is aborted, the thread exits 0', async () => {
    const worker = await spawnThreadFixture(lifecycle, 'lifecycle.worker.ts')
    const call = worker.call.awaitAbort().catch((e: unknown) => e)
    await worker.call.sleep(1)
    const result = await worker.close({ grace: 50 })
    expect(result).toEqual({ code: 0, signal: null, forced: false })
    expect(await call).toMatchObject({ name: 'AbortError', procedure: 'awaitAbort', message: expect.stringContaining('shutting down') })
    expect(await worker.close()).toBe(result)
  })

  it("close() runs the thread's onShutdown hooks, in order, with the cause 'request'", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'forkrpc-thread-'))
    try {
      const log = join(dir, 'hooks.log')
      const worker = await spawnThreadFixture(lifecycle, 'lifecycle.worker.ts', { env: { ...process.env, SHUTDOWN_LOG: log } })
      expect(await worker.close()).toEqual({ code: 0, signal: null, forced: false })
      expect(readFileSync(log, 'utf8').trim().split('\n')).toEqual(['hook1 request', 'hook2 request'])
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('close() terminates a thread stuck in a synchronous loop after killTimeout and says it was forced', async () => {
    const worker = await spawnThreadFixture(lifecycle, 'lifecycle.worker.ts')
    const exited = new Promise<number>((resolve) => worker.thread.once('exit', resolve))
    const call = worker.call.spin(60_000).catch((e: unknown) => e)
    await new Promise((resolve) => setTimeout(resolve, 50))
    const result = await worker.close({ grace: 50, killTimeout: 200 })
    expect(result.forced).toBe(true)
    expect(result.signal).toBeNull()
    expect(await exited).toBe(result.code)
    expect(await call).toMatchObject({ name: 'WorkerExitedError' })
  })
})
