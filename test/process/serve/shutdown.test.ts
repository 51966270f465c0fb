import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { AbortError, WorkerExitedError } from '@forkrpc/core'
import { lifecycle } from '../../fixtures/lifecycle.contract.js'
import { forkFixture, waitForExit } from '../../helpers.js'

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

  it('SIGTERM aborts the running handlers (their callers get AbortError), runs the hooks, and exits 0', async () => {
    const worker = await forkFixture(lifecycle, 'lifecycle.worker.ts', { env: { ...process.env, SHUTDOWN_LOG: log }, allowExit: true })
    const running = worker.call.awaitAbort().catch((error: unknown) => error)
    await worker.call.sleep(1) // the awaitAbort request has reached the child
    process.kill(worker.pid, 'SIGTERM')
    const error = await running
    expect(error).toBeInstanceOf(AbortError)
    expect(error).toMatchObject({ procedure: 'awaitAbort', message: expect.stringContaining('shutting down (SIGTERM)') })
    await waitForExit(worker.pid)
    expect(await worker.close()).toEqual({ code: 0, signal: null, forced: false })
    expect(hookLines()).toEqual(['hook1 SIGTERM', 'hook2 SIGTERM'])
  })

  it('a hook that throws after the handlers settled: exit code 1, the error on stderr, the hooks all ran', async () => {
    const worker = await forkFixture(lifecycle, 'lifecycle.worker.ts', { env: { ...process.env, SHUTDOWN_LOG: log, HOOK_FAILS: '1' }, allowExit: true })
    const exit = new Promise<string>((resolve) => {
      let stderr = ''
      worker.process.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
      worker.process.once('close', () => resolve(stderr))
    })
    process.kill(worker.pid, 'SIGTERM')
    expect(await exit).toContain('forkrpc: an onShutdown hook failed: Error: the hook failed')
    expect(await worker.close()).toEqual({ code: 1, signal: null, forced: false })
    expect(hookLines()).toEqual(['hook1 SIGTERM', 'hook2 SIGTERM'])
  })

  it('a handler that ignores its signal does not cost the hooks their turn: they run, then it exits 1', async () => {
    const worker = await forkFixture(lifecycle, 'lifecycle.worker.ts', { env: { ...process.env, SHUTDOWN_LOG: log, SHUTDOWN_TIMEOUT: '600' }, allowExit: true })
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
