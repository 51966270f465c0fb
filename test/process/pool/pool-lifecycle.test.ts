/**
 * The pool against real worker processes: recycling (maxTasksPerWorker, memory, idleTimeout),
 * two-level cancellation (cancelGrace) and close (drain, shutdownAll, Symbol.asyncDispose).
 */
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { describe, expect, it } from 'vitest'
import { ChannelClosedError, shutdownAll, TimeoutError, workers, type PoolEvents } from '@forkrpc/core'
import { startPool, record, next, until, idleWorkers, delay, outcome } from '../../fixtures/pool-harness.js'
import { childPids, fixture, isAlive, track, tsx } from '../../helpers.js'

describe('a pool: recycling', () => {
  it('replaces a worker after maxTasksPerWorker calls', async () => {
    const pool = startPool({ max: 1, maxTasksPerWorker: 2 })
    const events = record(pool, 'exit')
    const pids: number[] = []
    for (let i = 0; i < 6; i++) pids.push(await pool.call.pid())
    expect(pids[0]).toBe(pids[1])
    expect(pids[2]).toBe(pids[3])
    expect(pids[4]).toBe(pids[5])
    expect(new Set(pids).size).toBe(3)
    await until(() => events.length >= 2, 'two recycled workers to exit')
    expect(events.slice(0, 2).map(([, event]) => event)).toEqual([
      { runtime: 'process', pid: pids[0], reason: 'recycled', code: 0, signal: null },
      { runtime: 'process', pid: pids[2], reason: 'recycled', code: 0, signal: null },
    ])
    expect(pool.stats().restarts).toBe(0)
  })

  it('replaces a worker whose heap is over maxHeapBytes after a call', async () => {
    const pool = startPool({ max: 1, maxHeapBytes: 64 * 1024 * 1024 })
    const pid = await pool.call.pid()
    const exit = next(pool, 'exit')
    const heapUsed = await pool.call.allocate(96)
    expect(heapUsed).toBeGreaterThan(64 * 1024 * 1024)
    expect(await exit).toEqual({ runtime: 'process', pid, reason: 'memory', code: 0, signal: null })
    expect(await pool.call.pid()).not.toBe(pid)
    expect(pool.stats().restarts).toBe(1)
  })

  it('stops idle workers after idleTimeout, down to min', async () => {
    const pool = startPool({ min: 1, max: 2, idleTimeout: 300 })
    const exit = next(pool, 'exit')
    // Two calls at once: the pool starts a second worker (the first may have run both by
    // the time it is ready, so that it idles at once).
    const calls = Promise.all([pool.call.sleep(200), pool.call.sleep(200)])
    await until(() => pool.stats().workers === 2, 'a second worker')
    await calls
    expect(await exit).toMatchObject({ reason: 'idle', code: 0 })
    await until(() => pool.stats().workers === 1, 'one worker left')
    await delay(600)
    // min stays up, idle or not.
    expect(pool.stats()).toMatchObject({ workers: 1, idle: 1 })
    expect(childPids()).toHaveLength(1)
  })

  it('counts a worker idle once the handler of a timed-out call has settled', async () => {
    const pool = startPool({ max: 1, idleTimeout: 300 })
    const pid = await pool.call.pid()
    const exit = next(pool, 'exit')
    // sleep ignores its signal: its handler settles 600 ms in, long after the timeout.
    await expect(pool.call.sleep(600, { timeout: 100 })).rejects.toBeInstanceOf(TimeoutError)
    expect(await exit).toEqual({ runtime: 'process', pid, reason: 'idle', code: 0, signal: null })
  })
})

describe('a pool: two-level cancellation', () => {
  it('kills and replaces a worker whose handler spins past cancelGrace after a timeout', async () => {
    const pool = startPool({ max: 1, cancelGrace: 200 })
    const pid = await pool.call.pid()
    const exit = next(pool, 'exit')
    const error = await outcome(pool.call.spin(30_000, { timeout: 100 }))
    expect(error).toBeInstanceOf(TimeoutError)
    expect(error).toMatchObject({ timeout: 100 })
    expect(await exit).toEqual({ runtime: 'process', pid, reason: 'runaway', code: null, signal: 'SIGKILL' })
    const replacement = await pool.call.pid()
    expect(replacement).not.toBe(pid)
    expect(pool.stats()).toMatchObject({ state: 'running', workers: 1, restarts: 1 })
  })

  it('replaces a runaway worker by default when the pool has a timeout (DEFAULT_CANCEL_GRACE)', async () => {
    const pool = startPool({ max: 1, timeout: 200 })
    await pool.ready() // a worker starts in about a second under tsx: longer than the pool's timeout
    const pid = await pool.call.pid()
    const exit = next(pool, 'exit')
    const error = await outcome(pool.call.spin(30_000))
    expect(error).toMatchObject({ name: 'TimeoutError', timeout: 200 })
    expect(await exit).toEqual({ runtime: 'process', pid, reason: 'runaway', code: null, signal: 'SIGKILL' })
    expect(await pool.call.pid(undefined, { timeout: 15_000 })).not.toBe(pid) // its replacement's start
    expect(pool.stats().restarts).toBe(1)
  })

  /** Runs test/fixtures/pool-runaway-parent.ts in its own process (vitest would keep this one alive). */
  async function runParent(mode: 'runaway' | 'settles'): Promise<{ code: number | null; ms: number; answer: { first?: number; second?: number } }> {
    const started = Date.now()
    const parent = spawn(process.execPath, [...tsx, fixture('pool-runaway-parent.ts'), mode], { stdio: ['ignore', 'pipe', 'inherit'] })
    track(parent)
    let output = ''
    parent.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      output += chunk
      for (const match of chunk.matchAll(/"spawned":(\d+)/g)) track(Number(match[1]))
    })
    const [code] = (await once(parent, 'exit')) as [number | null]
    return { code, ms: Date.now() - started, answer: JSON.parse(output.trim().split('\n').at(-1) ?? '{}') as { first?: number; second?: number } }
  }

  it('keeps the process alive while a call waits for a runaway worker to be replaced', async () => {
    const { code, answer } = await runParent('runaway')
    expect(code).toBe(0)
    expect(answer.second).toEqual(expect.any(Number))
    expect(answer.second).not.toBe(answer.first)
  })

  it('does not hold the process for cancelGrace once the cancelled handler has stopped', async () => {
    const { code, ms, answer } = await runParent('settles')
    expect(code).toBe(0)
    expect(answer.first).toEqual(expect.any(Number))
    // cancelGrace is 60 s: the process ended long before it (the bound covers two startups).
    expect(ms).toBeLessThan(15_000)
  })

  it('kills the worker of an aborted call whose handler does not stop', async () => {
    const pool = startPool({ max: 1, cancelGrace: 100 })
    const pid = await pool.call.pid()
    const exit = next(pool, 'exit')
    const controller = new AbortController()
    const call = outcome(pool.call.spin(30_000, { signal: controller.signal }))
    setTimeout(() => controller.abort(), 100)
    expect(await call).toBe(controller.signal.reason)
    expect(await exit).toMatchObject({ pid, reason: 'runaway' })
    expect(await pool.call.pid()).not.toBe(pid)
  })

  it('sends no call to wait behind a cancelled handler that still runs, whatever prefetch', async () => {
    const pool = startPool({ max: 1, cancelGrace: 200, prefetch: 4 })
    const pid = await pool.call.pid()
    await expect(pool.call.spin(30_000, { timeout: 100 })).rejects.toBeInstanceOf(TimeoutError)
    // Not idempotent: sent to the spinning worker, it would die with it (WorkerExitedError).
    const ran = await pool.call.sleep(10)
    expect(ran.pid).not.toBe(pid)
  })

  it('commits no call to a worker ahead of time by default once cancelGrace is set', async () => {
    // prefetch: undefined, the default (the harness sets 0).
    const pool = startPool({ max: 1, cancelGrace: 200, prefetch: undefined })
    const pid = await pool.call.pid()
    const spin = outcome(pool.call.spin(30_000, { timeout: 100 }))
    // Queued while the worker spins: with the usual prefetch it would wait in that worker.
    const queued = pool.call.sleep(10)
    expect(await spin).toBeInstanceOf(TimeoutError)
    expect((await queued).pid).not.toBe(pid)
  })

  it('keeps a worker whose handler stops when its signal aborts', async () => {
    // A grace long enough for the handler's `d` to come back on a loaded machine.
    const pool = startPool({ max: 1, cancelGrace: 500 })
    const events = record(pool, 'exit')
    const pid = await pool.call.pid()
    await expect(pool.call.wait(30_000, { timeout: 100 })).rejects.toBeInstanceOf(TimeoutError)
    await delay(1_000)
    expect(events).toEqual([])
    expect(await pool.call.pid()).toBe(pid)
  })
})

describe('a pool: close', () => {
  it('rejects close options that are not an object, or bad limits, with a TypeError, and serves on', async () => {
    const pool = startPool({ max: 1 })
    const pid = await pool.call.pid()
    // 'x' closed the pool with the default limits; null rejected with "Cannot read properties of null".
    for (const options of ['x', 5, null]) await expect(pool.close(options as never)).rejects.toThrow('close(): options must be an object')
    await expect(pool.close({ grace: -1 })).rejects.toThrow(TypeError)
    expect(pool.stats()).toMatchObject({ state: 'running' })
    expect(await pool.call.pid()).toBe(pid)
  })

  it('lets running and queued calls finish, then stops every worker', async () => {
    const pool = startPool({ max: 1 })
    const pid = await pool.call.pid()
    const calls = [pool.call.sleep(200), pool.call.sleep(200)]
    const results = await pool.close({ grace: 5_000 })
    expect((await Promise.all(calls)).map((r) => r.pid)).toEqual([pid, pid])
    expect(results).toEqual([{ runtime: 'process', pid, module: fixture('pool.worker.ts'), code: 0, signal: null, forced: false }])
    expect(pool.stats()).toMatchObject({ state: 'closed', workers: 0 })
    expect(isAlive(pid)).toBe(false)
    await expect(pool.call.pid()).rejects.toBeInstanceOf(ChannelClosedError)
  })

  it('wakes a stopped (SIGSTOP) worker first, so that its calls finish within the grace rather than after it', async () => {
    const pool = startPool({ max: 1 })
    const pid = await pool.call.pid()
    const running = pool.call.sleep(200)
    process.kill(pid, 'SIGSTOP')
    // With no end to the grace, a worker left stopped would hold close() for ever.
    const results = await pool.close({ grace: Number.POSITIVE_INFINITY, killTimeout: 1_000 })
    expect((await running).pid).toBe(pid)
    expect(results).toEqual([{ runtime: 'process', pid, module: fixture('pool.worker.ts'), code: 0, signal: null, forced: false }])
  })

  it('rejects calls still queued after grace with ChannelClosedError', async () => {
    const pool = startPool({ max: 1 })
    const pid = await pool.call.pid()
    const running = outcome(pool.call.wait(10_000))
    const queued = [outcome(pool.call.pid()), outcome(pool.call.pid())]
    const closing = pool.close({ grace: 200, killTimeout: 1_000 })
    expect(pool.stats().state).toBe('closing')
    await expect(pool.call.pid()).rejects.toBeInstanceOf(ChannelClosedError)
    for (const error of await Promise.all(queued)) {
      expect(error).toBeInstanceOf(ChannelClosedError)
      expect((error as Error).message).toContain('closed before call "pid" could start')
    }
    const results = await closing
    expect(results).toHaveLength(1)
    expect(results[0]).toMatchObject({ pid })
    // The running call's handler was aborted by the worker's shutdown.
    expect(await running).toBeInstanceOf(Error)
    expect(isAlive(pid)).toBe(false)
    expect(pool.close()).toBe(closing)
  })

  it('is stopped by shutdownAll() without replacing the workers it stops', async () => {
    const pool = startPool({ min: 2, max: 2 })
    const events = record(pool, 'spawn', 'exit', 'restart')
    await idleWorkers(pool, 2)
    const listed = workers().map((worker) => worker.pid)
    const pids = events.filter(([kind]) => kind === 'spawn').map(([, event]) => event.pid)
    expect(listed).toEqual(expect.arrayContaining(pids))
    // shutdownAll() closes the pool, which drains this call, then stops both workers.
    const running = pool.call.sleep(500)
    const results = await shutdownAll({ grace: 2_000, killTimeout: 1_000 })
    expect((await running).pid).toEqual(expect.any(Number))
    expect(results.map((result) => result.pid).sort()).toEqual([...pids].sort())
    for (const result of results) expect(result).toMatchObject({ code: 0, forced: false })
    await until(() => events.filter(([kind]) => kind === 'exit').length === 2, 'both exit events')
    // Both stopped, none replaced, none counted as a crash.
    expect(events.filter(([kind]) => kind !== 'exit')).toEqual(pids.map((pid) => ['spawn', { runtime: 'process', pid, threadId: undefined }]))
    expect(events.filter(([kind]) => kind === 'exit').map(([, event]) => (event as PoolEvents['exit']).reason)).toEqual(['closed', 'closed'])
    expect(pool.stats()).toMatchObject({ state: 'closed', restarts: 0 })
    await expect(pool.call.pid()).rejects.toBeInstanceOf(ChannelClosedError)
  })

  it('closes with Symbol.asyncDispose', async () => {
    let pid = 0
    {
      await using pool = startPool({ max: 1 })
      pid = await pool.call.pid()
    }
    expect(isAlive(pid)).toBe(false)
  })
})
