/**
 * The misbehaving fixture workers shipped in @forkrpc/testing, forked under plain node (no
 * tsx: they are JavaScript) with a contract of the test's own, which they have never seen.
 */
import { describe, expect, it } from 'vitest'
import { fork, StartupError, TimeoutError, WorkerExitedError, defineContract, procedure, type ForkOptions } from '@forkrpc/core'
import { fixtures } from '@forkrpc/testing'
import { forkForTest } from '@forkrpc/testing/vitest'
import { childPids } from '../../helpers.js'

/** A contract none of the fixtures knows. */
const thumbnails = defineContract({
  resize: procedure<{ width: number }, { width: number }>(),
  ping: procedure(),
})
const plain: ForkOptions = { execArgv: [], stdio: ['ignore', 'ignore', 'pipe', 'ipc'] }
const withEnv = (settings: Record<string, string>) => ({ ...plain, env: { ...process.env, ...settings } })

describe('the fixture workers', () => {
  it('are absolute paths, also reachable by package specifier', () => {
    for (const [name, path] of Object.entries(fixtures)) {
      const kebab = name.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`)
      expect(path).toMatch(new RegExp(`/dist/fixtures/${kebab}\\.js$`))
      expect(import.meta.resolve(`@forkrpc/testing/fixtures/${kebab}`)).toBe(new URL(`file://${path}`).href)
    }
  })

  it('neverReady: fork() rejects with StartupError after startupTimeout, and nothing is left', async () => {
    const error = await fork(thumbnails, fixtures.neverReady, { ...plain, startupTimeout: 300 }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(StartupError)
    expect((error as Error).message).toContain('did not call serve() within 300 ms')
    expect(childPids()).toEqual([])
  })

  it('exitsAtStartup: fork() rejects with StartupError carrying the exit code and stderr', async () => {
    const error = (await fork(thumbnails, fixtures.exitsAtStartup, withEnv({ FORKRPC_FIXTURE_EXIT_CODE: '3' })).catch((e: unknown) => e)) as StartupError
    expect(error).toBeInstanceOf(StartupError)
    expect(error.exitCode).toBe(3)
    expect(error.stderr).toContain('exits-at-startup: exiting with code 3')
  })

  it('crashOnFirstCall: ready for any contract; the first call rejects with WorkerExitedError', async () => {
    const worker = await forkForTest(thumbnails, fixtures.crashOnFirstCall, { ...plain, allowExit: true })
    const error = (await worker.call.resize({ width: 10 }).catch((e: unknown) => e)) as WorkerExitedError
    expect(error).toBeInstanceOf(WorkerExitedError)
    expect(error).toMatchObject({ exitCode: 1, procedure: 'resize' })
    expect(error.stderr).toContain('crashing in "resize" with code 1')
  })

  it('hang: calls time out; on close() its shutdown gives up on the hung handlers and exits 1', async () => {
    const worker = await forkForTest(thumbnails, fixtures.hang, withEnv({ FORKRPC_FIXTURE_SHUTDOWN_TIMEOUT_MS: '200' }))
    await expect(worker.call.resize({ width: 1 }, { timeout: 100 })).rejects.toBeInstanceOf(TimeoutError)
    const stuck = worker.call.ping().catch((e: unknown) => e)
    expect(await worker.close({ grace: 100, killTimeout: 10_000 })).toEqual({ code: 1, signal: null, forced: false })
    expect(await stuck).toMatchObject({ name: 'WorkerExitedError', exitCode: 1, procedure: 'ping' })
  })

  it('ignoreSigterm: busy, it shrugs off SIGTERM, so close() has to SIGKILL it', async () => {
    const worker = await forkForTest(thumbnails, fixtures.ignoreSigterm, plain)
    const busy = worker.call.resize({ width: 1 }).catch((e: unknown) => e)
    expect(await worker.close({ grace: 300, killTimeout: 300 })).toEqual({ code: null, signal: 'SIGKILL', forced: true })
    expect(await busy).toMatchObject({ name: 'WorkerExitedError', signal: 'SIGKILL' })
  })

  it('ignoreSigterm: idle, it shuts down on SIGTERM as usual', async () => {
    const worker = await forkForTest(thumbnails, fixtures.ignoreSigterm, { ...plain, allowExit: true })
    const exited = new Promise((resolve) => worker.process.once('exit', resolve))
    worker.process.kill('SIGTERM')
    await exited
    expect(await worker.close()).toEqual({ code: 0, signal: null, forced: false })
  })

  it('flood: thousands of junk messages per call, and every answer is still right', async () => {
    const worker = await forkForTest(thumbnails, fixtures.flood, withEnv({ FORKRPC_FIXTURE_FLOOD: '2000' }))
    let junk = 0
    worker.process.on('message', () => junk++)
    const answers = await Promise.all([1, 2, 3].map((width) => worker.call.resize({ width })))
    expect(answers).toEqual([{ width: 1 }, { width: 2 }, { width: 3 }])
    expect(junk).toBeGreaterThanOrEqual(3 * 2000)
  })

  it('slow: a call with a shorter timeout rejects with TimeoutError; a patient one gets its answer', async () => {
    const worker = await forkForTest(thumbnails, fixtures.slow, withEnv({ FORKRPC_FIXTURE_DELAY_MS: '300' }))
    await expect(worker.call.resize({ width: 5 }, { timeout: 50 })).rejects.toMatchObject({ name: 'TimeoutError', timeout: 50 })
    expect(await worker.call.resize({ width: 5 })).toEqual({ width: 5 })
  })
})
