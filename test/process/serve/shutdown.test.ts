import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { fork as forkProcess } from 'node:child_process'
import { AbortError, ChannelClosedError, WorkerExitedError } from '@forkrpc/core'
import { PROTOCOL_VERSION } from '@forkrpc/core/channel'
import { lifecycle } from '../../fixtures/lifecycle.contract.js'
import { fixture, forkFixture, nextRaw, track, tsx, waitForExit } from '../../helpers.js'

// The fixture's onShutdown hooks append a line each to SHUTDOWN_LOG.
let dir: string
let log: string
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'forkrpc-shutdown-'))
  log = join(dir, 'hooks.log')
})
afterEach(() => rmSync(dir, { recursive: true, force: true }))

const hookLines = (): string[] => readFileSync(log, 'utf8').trim().split('\n')

describe("the worker's shutdown", () => {
  it('close() asks the worker to shut down: its hooks run in order, then it exits 0', async () => {
    const worker = await forkFixture(lifecycle, 'lifecycle.worker.ts', { env: { ...process.env, SHUTDOWN_LOG: log } })
    expect(await worker.close()).toEqual({ code: 0, signal: null, forced: false })
    expect(hookLines()).toEqual(['hook1 request', 'hook2 request'])
  })

  it('SIGTERM with its parent alive fails no call: the parent closes the worker in stages; the hooks get the cause SIGTERM; it exits 0', async () => {
    const worker = await forkFixture(lifecycle, 'lifecycle.worker.ts', { env: { ...process.env, SHUTDOWN_LOG: log } })
    const inFlight = worker.call.wait(400) // it would reject at once if its signal aborted
    await worker.call.sleep(1) // the slow call has reached the child
    process.kill(worker.pid, 'SIGTERM')
    expect(await inFlight).toBe('waited 400')
    await waitForExit(worker.pid)
    expect(await worker.close()).toEqual({ code: 0, signal: null, forced: false })
    expect(hookLines()).toEqual(['hook1 SIGTERM', 'hook2 SIGTERM'])
    await expect(worker.call.sleep(1)).rejects.toBeInstanceOf(ChannelClosedError)
  })

  it('a second SIGTERM shuts it down at once: running handlers are aborted (AbortError), the hooks run, it exits 0', async () => {
    const worker = await forkFixture(lifecycle, 'lifecycle.worker.ts', { env: { ...process.env, SHUTDOWN_LOG: log }, allowExit: true })
    const running = worker.call.awaitAbort().catch((error: unknown) => error)
    await worker.call.sleep(1) // the awaitAbort request has reached the child
    const reported = nextRaw(worker.process, 'st')
    process.kill(worker.pid, 'SIGTERM')
    await reported // the first is the parent's to lead (it lets calls in flight finish first)
    process.kill(worker.pid, 'SIGTERM')
    const error = await running
    expect(error).toBeInstanceOf(AbortError)
    expect(error).toMatchObject({ procedure: 'awaitAbort', message: expect.stringContaining('shutting down (SIGTERM)') })
    await waitForExit(worker.pid)
    expect(await worker.close()).toEqual({ code: 0, signal: null, forced: false })
    expect(hookLines()).toEqual(['hook1 SIGTERM', 'hook2 SIGTERM'])
  })

  it('SIGTERM with no parent that leads (one that acks without `st`): shuts down at once, as any process would', async () => {
    const child = forkProcess(fixture('lifecycle.worker.ts'), [], { execArgv: tsx, stdio: ['ignore', 'ignore', 'pipe', 'ipc'], env: { ...process.env, SHUTDOWN_LOG: log } })
    track(child)
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
    await nextRaw(child, 'h')
    child.send({ $fr: PROTOCOL_VERSION, t: 'ha', s: 'json' }) // no `st`: this parent does not lead
    const aborted = nextRaw(child, 'e')
    child.send({ $fr: PROTOCOL_VERSION, t: 'q', i: 'r1', m: 'awaitAbort' })
    child.send({ $fr: PROTOCOL_VERSION, t: 'q', i: 'r2', m: 'sleep', v: 1 })
    await nextRaw(child, 'r') // r2: r1 runs
    child.kill('SIGTERM')
    expect(await aborted).toMatchObject({ i: 'r1', v: { name: 'AbortError', message: expect.stringContaining('shutting down (SIGTERM)') } })
    expect(await exited).toBe(0)
    expect(hookLines()).toEqual(['hook1 SIGTERM', 'hook2 SIGTERM'])
  })

  it('a hook that throws after the handlers settled: exit code 1, the error on stderr, the hooks all ran', async () => {
    const worker = await forkFixture(lifecycle, 'lifecycle.worker.ts', { env: { ...process.env, SHUTDOWN_LOG: log, HOOK_FAILS: '1' }, allowExit: true })
    let stderr = ''
    worker.process.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    process.kill(worker.pid, 'SIGTERM')
    await waitForExit(worker.pid)
    expect(await worker.close()).toEqual({ code: 1, signal: null, forced: false }) // resolves once its stderr is read
    expect(stderr).toContain('forkrpc: an onShutdown hook failed: Error: the hook failed')
    expect(hookLines()).toEqual(['hook1 SIGTERM', 'hook2 SIGTERM'])
  })

  it('a handler that ignores its signal does not cost the hooks their turn: they run, then it exits 1', async () => {
    // grace 100: the parent's stop goes to its firm stage (SIGTERM, a second one here) 100 ms after the first.
    const worker = await forkFixture(lifecycle, 'lifecycle.worker.ts', { env: { ...process.env, SHUTDOWN_LOG: log, SHUTDOWN_TIMEOUT: '600' }, grace: 100, allowExit: true })
    const hung = worker.call.hang().catch((error: unknown) => error)
    await worker.call.sleep(1) // the hang request has reached the child
    process.kill(worker.pid, 'SIGTERM')
    await waitForExit(worker.pid)
    // The hooks ran after the handlers' share (600 - 300 ms), with the handler still running.
    expect(hookLines()).toEqual(['hook1 SIGTERM', 'hook2 SIGTERM'])
    expect(await worker.close()).toEqual({ code: 1, signal: null, forced: false })
    expect(await hung).toBeInstanceOf(WorkerExitedError)
  })

  it('ignores SIGINT while the parent is connected: the parent decides when its worker stops', async () => {
    const worker = await forkFixture(lifecycle, 'lifecycle.worker.ts')
    process.kill(worker.pid, 'SIGINT')
    await new Promise((resolve) => setTimeout(resolve, 100))
    expect(await worker.call.sleep(1)).toBe('slept 1')
  })
})
