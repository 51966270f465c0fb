import { describe, expect, it } from 'vitest'
import { WorkerExitedError } from '@forkrpc/core'
import { lifecycle } from '../../fixtures/lifecycle.contract.js'
import { forkFixture, waitForExit } from '../../helpers.js'

describe('a worker that dies', () => {
  it('rejects every call in flight with WorkerExitedError when the child is SIGKILLed', async () => {
    const worker = await forkFixture(lifecycle, 'lifecycle.worker.ts', { allowExit: true })
    const calls = Array.from({ length: 100 }, () => worker.call.hang().catch((error: unknown) => error))
    await worker.call.sleep(1) // every hang request has reached the child
    const killedAt = performance.now()
    worker.process.kill('SIGKILL')
    const errors = await Promise.all(calls)
    // By design within ~50 ms of the exit; the bound is generous for a loaded machine.
    expect(performance.now() - killedAt).toBeLessThan(1_000)
    for (const error of errors) {
      expect(error).toBeInstanceOf(WorkerExitedError)
      expect(error).toMatchObject({ code: 'ERR_FORKRPC_WORKER_EXITED', signal: 'SIGKILL', exitCode: null, pid: worker.pid, procedure: 'hang' })
    }
    expect((errors[0] as Error).message).toContain('killed by SIGKILL')
  })

  it('reports the exit code and the stderr tail when the child exits mid-call', async () => {
    const worker = await forkFixture(lifecycle, 'lifecycle.worker.ts', { allowExit: true })
    const error = (await worker.call.crashWithMessage('fatal: out of cheese').catch((e: unknown) => e)) as WorkerExitedError
    expect(error).toBeInstanceOf(WorkerExitedError)
    expect(error.exitCode).toBe(1)
    expect(error.stderr).toContain('fatal: out of cheese')
    expect(error.message).toContain('exited with code 1')
  })

  it('rejects calls made after the child died at once, and close() reports the exit', async () => {
    const worker = await forkFixture(lifecycle, 'lifecycle.worker.ts', { allowExit: true })
    await expect(worker.call.exit(7)).rejects.toMatchObject({ name: 'WorkerExitedError', exitCode: 7 })
    await expect(worker.call.sleep(1)).rejects.toBeInstanceOf(WorkerExitedError)
    expect(await worker.close()).toEqual({ code: 7, signal: null, forced: false })
  })

  it('does not crash the parent when sending to a child that was just killed', async () => {
    const worker = await forkFixture(lifecycle, 'lifecycle.worker.ts', { allowExit: true })
    worker.process.kill('SIGKILL')
    // Sent between kill() and 'disconnect': Node reports EPIPE / ERR_IPC_CHANNEL_CLOSED.
    const results = await Promise.allSettled(Array.from({ length: 20 }, () => worker.call.sleep(1)))
    for (const result of results) {
      if (result.status === 'rejected') expect(result.reason).toBeInstanceOf(WorkerExitedError)
    }
    expect(results.some((result) => result.status === 'rejected')).toBe(true)
    await waitForExit(worker.pid)
  })

  it('rejects a call whose handler kills its own process with a signal', async () => {
    const worker = await forkFixture(lifecycle, 'lifecycle.worker.ts', { allowExit: true })
    // SIGHUP: serve() handles SIGTERM gracefully (see shutdown.test.ts) but not SIGHUP.
    await expect(worker.call.kill('SIGHUP')).rejects.toMatchObject({ name: 'WorkerExitedError', signal: 'SIGHUP' })
  })
})
