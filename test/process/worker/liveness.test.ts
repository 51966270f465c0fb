/**
 * Liveness (`unresponsiveAfter`): a worker that is alive but stuck, stopped with SIGSTOP or in
 * a synchronous loop, no longer keeps calls without a timeout waiting for ever; a worker
 * that is merely busy with asynchronous work is left alone.
 */
import { describe, expect, it, vi } from 'vitest'
import { WorkerExitedError, WorkerUnresponsiveError, type UnresponsiveEvent } from '@forkrpc/core'
import { lifecycle } from '../../fixtures/lifecycle.contract.js'
import { forkFixture, isAlive, spawnThreadFixture, waitForExit } from '../../helpers.js'

const LIMIT = 400

describe('a worker that stops answering', () => {
  it('stopped with SIGSTOP: its calls reject with WorkerUnresponsiveError, it is killed, and the parent hears for how long it was silent', async () => {
    const onUnresponsive = vi.fn<(event: UnresponsiveEvent) => void>()
    const worker = await forkFixture(lifecycle, 'lifecycle.worker.ts', { unresponsiveAfter: LIMIT, onUnresponsive, allowExit: true })
    process.kill(worker.pid, 'SIGSTOP')
    const stoppedAt = Date.now()
    const error = await worker.call.sleep(60_000).catch((e: unknown) => e) // no timeout of its own
    expect(error).toBeInstanceOf(WorkerUnresponsiveError)
    expect(error).toBeInstanceOf(WorkerExitedError) // the worker is gone: code written for crashes handles it
    expect(error).toMatchObject({ code: 'ERR_FORKRPC_WORKER_UNRESPONSIVE', procedure: 'sleep', pid: worker.pid, signal: 'SIGKILL' })
    expect((error as WorkerUnresponsiveError).silentFor).toBeGreaterThan(LIMIT)
    expect(Date.now() - stoppedAt).toBeLessThan(5_000)
    expect(onUnresponsive).toHaveBeenCalledOnce()
    expect(onUnresponsive.mock.calls[0]?.[0].silentFor).toBeGreaterThan(LIMIT)
    await waitForExit(worker.pid)
    await expect(worker.close()).resolves.toEqual({ code: null, signal: 'SIGKILL', forced: true })
  })

  it('without unresponsiveAfter, the call to a stopped worker is still pending (why the option exists)', async () => {
    const worker = await forkFixture(lifecycle, 'lifecycle.worker.ts', { allowExit: true, closeOptions: { grace: 0, killTimeout: 100 } })
    process.kill(worker.pid, 'SIGSTOP')
    let settled = false
    void worker.call.sleep(10).then(
      () => (settled = true),
      () => (settled = true),
    )
    await new Promise((resolve) => setTimeout(resolve, 3 * LIMIT))
    expect(settled).toBe(false)
    process.kill(worker.pid, 'SIGKILL')
  })

  it('stuck in a synchronous loop in a process: given up on the same way', async () => {
    const worker = await forkFixture(lifecycle, 'lifecycle.worker.ts', { unresponsiveAfter: LIMIT, allowExit: true })
    await expect(worker.call.spin(60_000)).rejects.toBeInstanceOf(WorkerUnresponsiveError)
    await waitForExit(worker.pid)
    expect(isAlive(worker.pid)).toBe(false)
  })

  it('stuck in a synchronous loop in a thread: its calls reject and the thread is terminated', async () => {
    const worker = await spawnThreadFixture(lifecycle, 'lifecycle.worker.ts', { unresponsiveAfter: LIMIT })
    const exited = new Promise((resolve) => worker.thread.once('exit', resolve))
    await expect(worker.call.spin(60_000)).rejects.toBeInstanceOf(WorkerUnresponsiveError)
    await exited
  })

  it("a stall of the parent's own event loop longer than the limit is not the worker's silence", async () => {
    const onUnresponsive = vi.fn<(event: UnresponsiveEvent) => void>()
    const worker = await forkFixture(lifecycle, 'lifecycle.worker.ts', { unresponsiveAfter: LIMIT, onUnresponsive })
    const call = worker.call.sleep(8 * LIMIT)
    await new Promise((resolve) => setTimeout(resolve, LIMIT / 2))
    // The parent blocks (a large JSON.parse, a synchronous walk, a breakpoint, SIGSTOP of the
    // parent): the worker's pongs wait unread meanwhile. Before, the first check after it gave
    // up on the healthy worker, killed it and failed its call.
    const end = Date.now() + 5 * LIMIT
    while (Date.now() < end) {
      // blocked
    }
    await expect(call).resolves.toBe(`slept ${8 * LIMIT}`)
    expect(onUnresponsive).not.toHaveBeenCalled()
  })

  it('busy with asynchronous work, it answers the pings and is left alone', async () => {
    const worker = await forkFixture(lifecycle, 'lifecycle.worker.ts', { unresponsiveAfter: LIMIT })
    await expect(worker.call.sleep(4 * LIMIT)).resolves.toBe(`slept ${4 * LIMIT}`)
    expect(isAlive(worker.pid)).toBe(true)
  })
})
