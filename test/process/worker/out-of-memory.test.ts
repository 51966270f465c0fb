/**
 * A worker that goes over its heap limit (`heapLimitMb`, or the runtime's own option) dies,
 * and that is its own outcome: calls in flight reject with WorkerOutOfMemoryError (a
 * WorkerExitedError), and a pool reports the exit reason 'out-of-memory' and replaces it.
 * Other deaths, an abort without the OOM line included, stay plain WorkerExitedErrors.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { createPool, fork, spawnThread, WorkerExitedError, WorkerOutOfMemoryError, type ForkOptions, type PoolEvents } from '@forkrpc/core'
import { confined } from '../../fixtures/confined.contract.mjs'
import { fixture } from '../../helpers.js'

const worker = fixture('confined.worker.mjs')
/** stderr piped and kept (it is where V8 says it ran out of memory), not copied to the test's output. */
const quiet: ForkOptions = { execArgv: [], stdio: ['ignore', 'ignore', 'pipe', 'ipc'] }

const open = new Set<{ close(): Promise<unknown> }>()
afterEach(async () => {
  await Promise.all([...open].map((closable) => closable.close()))
  open.clear()
})

const outcome = (promise: Promise<unknown>): Promise<unknown> => promise.catch((error: unknown) => error)

describe('a process over its heap limit', () => {
  it('rejects its calls with WorkerOutOfMemoryError (V8 aborted it)', async () => {
    const hog = await fork(confined, worker, { ...quiet, heapLimitMb: 32 })
    open.add(hog)
    const error = await outcome(hog.call.hog())
    expect(error).toBeInstanceOf(WorkerOutOfMemoryError)
    expect(error).toBeInstanceOf(WorkerExitedError)
    expect(error).toMatchObject({ code: 'ERR_FORKRPC_WORKER_OUT_OF_MEMORY', pid: hog.pid, procedure: 'hog' })
    expect((error as WorkerExitedError).stderr).toContain('heap')
  })

  it('is told apart by what V8 said, also under a limit set with execArgv, and not for any other abort', async () => {
    const limited = await fork(confined, worker, { ...quiet, execArgv: ['--max-old-space-size=32'] })
    open.add(limited)
    expect(await outcome(limited.call.hog())).toBeInstanceOf(WorkerOutOfMemoryError)
    // A limit the hog takes a while to reach: the SIGABRT comes first.
    const aborted = await fork(confined, worker, { ...quiet, heapLimitMb: 512 })
    open.add(aborted)
    const running = outcome(aborted.call.hog())
    process.kill(aborted.pid, 'SIGABRT')
    const error = await running
    expect(error).toBeInstanceOf(WorkerExitedError)
    expect(error).not.toBeInstanceOf(WorkerOutOfMemoryError)
    expect(error).toMatchObject({ signal: 'SIGABRT' })
  })
})

describe('a thread over its heap limit', () => {
  it('rejects its calls with WorkerOutOfMemoryError (ERR_WORKER_OUT_OF_MEMORY)', async () => {
    const hog = await spawnThread(confined, worker, { heapLimitMb: 32 })
    open.add(hog)
    const error = await outcome(hog.call.hog())
    expect(error).toBeInstanceOf(WorkerOutOfMemoryError)
    expect(error).toMatchObject({ exitCode: 1, signal: null })
    expect((error as WorkerExitedError).stderr).toContain('reaching memory limit')
  })
})

describe('a pool whose worker goes over its heap limit', () => {
  it.each([
    ['processes', { ...quiet }],
    ['threads', { runtime: 'thread' }],
  ] as const)('(%s) says exit reason out-of-memory and replaces it', async (_, options) => {
    const pool = createPool(confined, worker, { ...options, max: 1, heapLimitMb: 32 })
    open.add(pool)
    const exits: Array<PoolEvents['exit']> = []
    pool.on('exit', (event) => exits.push(event))
    const first = await pool.call.pid()
    expect(await outcome(pool.call.hog())).toBeInstanceOf(WorkerOutOfMemoryError)
    // The next call gets a fresh worker: another process (a thread: in this one).
    const next = await pool.call.pid()
    expect(next === first).toBe('runtime' in options)
    expect(exits.map((exit) => exit.reason)).toEqual(['out-of-memory'])
    expect(pool.stats()).toMatchObject({ restarts: 1, workers: 1 })
  })
})
