/**
 * forkForTest: the worker is closed when the test ends, pass or fail, and the test fails
 * when the worker exited unasked or left a process behind. The checks themselves are
 * tested through guardWorker (what forkForTest runs in onTestFinished), the wiring with
 * tests that end one way or the other and a following test that looks at what remains.
 */
import { describe, expect, it } from 'vitest'
import { fork, type ForkOptions } from '@forkrpc/core'
import { expectNoWorkersAfterEach, forkForTest } from '@forkrpc/testing/vitest'
import { guardWorker } from '../../../packages/testing/src/worker-guard.js'
import { grandparent } from '../../fixtures/grandparent.contract.js'
import { fixture, isAlive, track, tsx, waitForExit } from '../../helpers.js'

const quiet: ForkOptions = { execArgv: tsx, stdio: ['ignore', 'ignore', 'pipe', 'ipc'] }
const module = fixture('grandparent.worker.ts')
const pids: Record<string, number> = {}

describe('forkForTest wiring', () => {
  it('forks a worker that answers', async () => {
    const worker = await forkForTest(grandparent, module, quiet)
    pids.passed = worker.pid
    expect(await worker.call.ping()).toBe('pong')
  })

  it('closed the worker of the previous test, which passed', async () => {
    expect(pids.passed).toBeTypeOf('number')
    expect(isAlive(pids.passed!)).toBe(false)
  })

  it.fails('fails this test (on purpose), leaving the worker running', async () => {
    const worker = await forkForTest(grandparent, module, quiet)
    pids.failed = worker.pid
    track(worker.pid) // in case forkForTest did not do its job
    expect(await worker.call.ping()).toBe('not pong')
  })

  it('closed the worker of the previous test, which failed', async () => {
    expect(pids.failed).toBeTypeOf('number')
    expect(isAlive(pids.failed!)).toBe(false)
  })

  it.fails('fails a test whose worker crashed unasked, though the test body passed', async () => {
    const worker = await forkForTest(grandparent, module, quiet)
    track(worker.pid)
    await worker.call.exit(3).catch(() => undefined)
  })

  it('lets a worker exit when allowExit is set', async () => {
    const worker = await forkForTest(grandparent, module, { ...quiet, allowExit: true })
    await expect(worker.call.exit(3)).rejects.toMatchObject({ name: 'WorkerExitedError', exitCode: 3 })
  })

  it('does not count an exit caused by the test closing the worker', async () => {
    const worker = await forkForTest(grandparent, module, quiet)
    expect(await worker.close()).toMatchObject({ code: 0 })
  })
})

describe('the end-of-test checks', () => {
  it('report an exit nobody asked for, with its code and stderr', async () => {
    const guard = guardWorker(await fork(grandparent, module, quiet), { module, allowExit: false, closeOptions: {} })
    track(guard.worker.pid)
    await guard.worker.call.exit(7).catch(() => undefined)
    const error = await guard.finish().catch((e: unknown) => e)
    expect(error).toBeInstanceOf(Error)
    expect((error as Error).message).toMatch(/worker \d+ \(.*grandparent\.worker\.ts\): it exited with code 7 during the test without close\(\)/)
    expect((error as Error).message).toContain('goodbye with 7')
  })

  it('pass for a worker that is closed normally, or exits when allowed', async () => {
    const closed = guardWorker(await fork(grandparent, module, quiet), { module, allowExit: false, closeOptions: {} })
    track(closed.worker.pid)
    expect(await closed.worker.call.ping()).toBe('pong')
    await closed.finish()
    expect(isAlive(closed.worker.pid)).toBe(false)
    const exited = guardWorker(await fork(grandparent, module, quiet), { module, allowExit: true, closeOptions: {} })
    track(exited.worker.pid)
    await exited.worker.call.exit(1).catch(() => undefined)
    await exited.finish()
  })

  it('report and kill a process the worker left behind', async () => {
    const guard = guardWorker(await fork(grandparent, module, quiet), { module, allowExit: false, closeOptions: {} })
    track(guard.worker.pid)
    const grandchild = await guard.worker.call.spawnGrandchild()
    track(grandchild)
    const error = await guard.finish().catch((e: unknown) => e)
    expect((error as Error).message).toContain(`process ${grandchild} (started by worker ${guard.worker.pid}) was still running after close(), so it was killed`)
    await waitForExit(grandchild)
  })
})

describe('expectNoWorkersAfterEach', () => {
  expectNoWorkersAfterEach()

  it('passes a test whose workers came from forkForTest (checked after they are closed)', async () => {
    const worker = await forkForTest(grandparent, module, quiet)
    expect(await worker.call.ping()).toBe('pong')
  })

  it.fails('fails a test (on purpose) that leaves a worker from fork() running', async () => {
    const worker = await fork(grandparent, module, quiet)
    pids.leftover = worker.pid
    // Not track()ed: helpers' afterEach would kill it before the check looks. Should the
    // check not do its job, the next test fails and helpers' afterAll stops the worker.
  })

  it('stopped the worker that the previous test left', () => {
    expect(pids.leftover).toBeTypeOf('number')
    expect(isAlive(pids.leftover!)).toBe(false)
  })
})
