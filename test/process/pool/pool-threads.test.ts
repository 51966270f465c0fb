/**
 * A pool of worker threads (`runtime: 'thread'`): the same dispatch, crash recovery,
 * recycling, cancelGrace, close and stats as a pool of processes; its workers are threads
 * of this process, listed by workers() while they run.
 */
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { ChannelClosedError, CrashLoopError, StartupError, TimeoutError, WorkerExitedError, workers, type PoolEvents } from '@forkrpc/core'
import { delay, idleWorkers, next, outcome, record, startThreadPool, until } from '../../fixtures/pool-harness.js'
import { childPids, fixture } from '../../helpers.js'

describe('a pool of threads: dispatch', () => {
  it('runs calls on two threads of this process, at most concurrency at once on each, and lists them in workers()', async () => {
    const childrenBefore = childPids() // what an earlier test file in this vitest worker may still be reaping
    const pool = startThreadPool({ min: 2, max: 2, concurrency: 2 })
    const events = record(pool, 'spawn', 'ready')
    await idleWorkers(pool, 2)
    const calls = Array.from({ length: 4 }, () => pool.call.sleep(1_000))
    for (const call of calls) call.catch(() => undefined) // awaited below; an early failed check must not leave them unhandled
    expect(pool.stats()).toMatchObject({ workers: 2, busy: 2, idle: 0, queued: 0, inFlight: 4 })
    // While they run: two threads, no process.
    const listed = workers()
    expect(listed).toHaveLength(2)
    for (const worker of listed) expect(worker).toMatchObject({ runtime: 'thread', pid: process.pid, module: fixture('pool.worker.ts'), state: 'ready', inFlight: 2 })
    // tsx's loader, registered in each thread, may start its esbuild service: not a worker.
    const newChildren = childPids().filter((pid) => !childrenBefore.includes(pid))
    const commandOf = (pid: number): string => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[0] ?? ''
      } catch {
        return 'esbuild (gone)' // exited in between: not one that runs a worker
      }
    }
    expect(newChildren.map(commandOf).filter((command) => !command.includes('esbuild'))).toEqual([])
    const ran = await Promise.all(calls)
    const threadIds = [...new Set(ran.map((r) => r.threadId))]
    expect(threadIds).toHaveLength(2)
    expect(threadIds.every((id) => id > 0)).toBe(true)
    expect(ran.every((r) => r.pid === process.pid)).toBe(true)
    expect(ran.map((r) => r.peak)).toEqual([2, 2, 2, 2])
    expect(listed.map((worker) => worker.threadId).sort()).toEqual([...threadIds].sort())
    // The events name the threads as workers() does.
    for (const kind of ['spawn', 'ready'] as const) {
      const seen = events.filter(([event]) => event === kind).map(([, event]) => event)
      expect(seen.map((event) => event.runtime)).toEqual(['thread', 'thread'])
      expect(seen.map((event) => event.pid)).toEqual([process.pid, process.pid])
      expect(seen.map((event) => event.threadId).sort()).toEqual([...threadIds].sort())
    }
    expect(pool.stats()).toMatchObject({ state: 'running', workers: 2, busy: 0, idle: 2, queued: 0, inFlight: 0, restarts: 0 })
  })

  it('queues calls beyond the threads it may start, and honours their timeout there', async () => {
    const pool = startThreadPool({ max: 1 })
    await pool.ready()
    const running = pool.call.sleep(400)
    const queued = pool.call.threadId()
    expect(pool.stats()).toMatchObject({ workers: 1, busy: 1, queued: 1, inFlight: 1 })
    const timedOut = await outcome(pool.call.threadId(undefined, { timeout: 100 }))
    expect(timedOut).toBeInstanceOf(TimeoutError)
    expect(timedOut).toMatchObject({ procedure: 'threadId', timeout: 100 })
    const [ran, id] = await Promise.all([running, queued])
    expect(id).toBe(ran.threadId)
  })
})

describe('a pool of threads: prefetch', () => {
  it('moves the calls waiting behind a handler that does not end to a thread with a free slot', async () => {
    const pool = startThreadPool({ min: 2, max: 2, concurrency: 1, prefetch: 4 })
    await idleWorkers(pool, 2)
    const stop = new AbortController()
    // Ten slots, ten calls: the hung call and four more on one thread, five on the other.
    const hung = outcome(pool.call.wait(60_000, { signal: stop.signal }))
    const all = Promise.all(Array.from({ length: 9 }, () => pool.call.sleep(30)))
    const ran = await Promise.race([all, delay(10_000).then(() => 'stuck' as const)])
    expect(ran).not.toBe('stuck')
    expect(new Set((ran as Awaited<typeof all>).map((r) => r.threadId)).size).toBe(1)
    stop.abort(new Error('done'))
    expect(await hung).toMatchObject({ message: 'done' })
  })
})

describe('a pool of threads: crashes', () => {
  it.each([
    ['throws an uncaught error', 'throw', 1],
    ['calls process.exit()', 'exit', 3],
  ] as const)('rejects the calls of a thread that %s with WorkerExitedError, and replaces it', async (_how, how, code) => {
    const pool = startThreadPool({ min: 1, max: 1, concurrency: 2 })
    const events = record(pool, 'exit', 'restart', 'ready')
    const threadId = await pool.call.threadId()
    const running = outcome(pool.call.sleep(30_000))
    const crash = outcome(pool.call.crash(how)) // on the same thread, after the sleep
    const error = await running
    expect(error).toBeInstanceOf(WorkerExitedError)
    expect(error).toMatchObject({ exitCode: code, signal: null })
    if (how === 'throw') expect((error as WorkerExitedError).stderr).toContain('boom: an uncaught error in the worker')
    expect(await crash).toBeInstanceOf(WorkerExitedError)
    const replacement = await pool.call.threadId()
    expect(replacement).not.toBe(threadId)
    expect(events).toContainEqual(['exit', { runtime: 'thread', pid: process.pid, threadId, reason: 'crash', code, signal: null }])
    expect(events).toContainEqual(['restart', expect.objectContaining({ runtime: 'thread', threadId, reason: 'crash' })])
    expect(events.filter(([kind]) => kind === 'ready').map(([, event]) => event.threadId)).toEqual([threadId, replacement])
    expect(pool.stats()).toMatchObject({ state: 'running', restarts: 1, workers: 1 })
  })

  it('retries an idempotent call once on another thread when its thread dies', async () => {
    const pool = startThreadPool({ min: 1, max: 1, concurrency: 3 })
    const threadId = await pool.call.threadId()
    const plain = outcome(pool.call.sleep(30_000))
    const idempotent = pool.call.sleepIdempotent(3_000)
    await delay(50) // they have reached the thread
    const crash = outcome(pool.call.crash('exit'))
    expect(pool.stats()).toMatchObject({ inFlight: 3, queued: 0 }) // all three on the one thread
    expect(await crash).toBeInstanceOf(WorkerExitedError)
    expect(await plain).toBeInstanceOf(WorkerExitedError)
    const retried = await idempotent
    expect(retried.threadId).not.toBe(threadId)
    expect(retried.threadId).toBeGreaterThan(0)
  })

  it('trips the crash-loop guard on threads that cannot start', async () => {
    const pool = startThreadPool({ max: 1, maxStartupFailures: 2, backoff: 10 }, 'throws-on-load.worker.ts')
    const exits = record(pool, 'exit')
    const error = await outcome(pool.call.pid())
    expect(error).toBeInstanceOf(CrashLoopError)
    expect((error as Error).cause).toBeInstanceOf(StartupError)
    expect(((error as Error).cause as StartupError).stderr).toContain('boom while loading the worker')
    expect(exits.map(([, event]) => [event.runtime, event.reason])).toEqual([
      ['thread', 'startup'],
      ['thread', 'startup'],
    ])
    expect(pool.stats().state).toBe('crash-loop')
  })
})

describe('a pool of threads: recycling and cancellation', () => {
  it('replaces a thread after maxTasksPerWorker calls', async () => {
    const pool = startThreadPool({ max: 1, maxTasksPerWorker: 2 })
    const exits = record(pool, 'exit')
    const ids: number[] = []
    for (let i = 0; i < 4; i++) ids.push(await pool.call.threadId())
    expect(ids[0]).toBe(ids[1])
    expect(ids[2]).toBe(ids[3])
    expect(ids[2]).not.toBe(ids[0])
    await until(() => exits.length >= 1, 'the recycled thread to exit')
    expect(exits[0]?.[1]).toEqual({ runtime: 'thread', pid: process.pid, threadId: ids[0], reason: 'recycled', code: 0, signal: null })
  })

  it("replaces a thread whose own heap is over maxHeapBytes after a call", async () => {
    const pool = startThreadPool({ max: 1, maxHeapBytes: 64 * 1024 * 1024 })
    const threadId = await pool.call.threadId()
    const exit = next(pool, 'exit')
    expect(await pool.call.allocate(96)).toBeGreaterThan(64 * 1024 * 1024)
    expect(await exit).toEqual({ runtime: 'thread', pid: process.pid, threadId, reason: 'memory', code: 0, signal: null })
    expect(await pool.call.threadId()).not.toBe(threadId)
    expect(pool.stats().restarts).toBe(1)
  })

  it('stops an idle thread after idleTimeout', async () => {
    const pool = startThreadPool({ max: 1, idleTimeout: 200 })
    const threadId = await pool.call.threadId()
    expect(await next(pool, 'exit')).toMatchObject({ runtime: 'thread', threadId, reason: 'idle', code: 0 })
    await until(() => pool.stats().workers === 0, 'the idle thread to be gone')
    expect(workers()).toEqual([])
  })

  it('terminates and replaces a thread whose handler spins past cancelGrace after a timeout', async () => {
    const pool = startThreadPool({ max: 1, cancelGrace: 200 })
    const threadId = await pool.call.threadId()
    const exit = next(pool, 'exit')
    const error = await outcome(pool.call.spin(30_000, { timeout: 100 }))
    expect(error).toBeInstanceOf(TimeoutError)
    expect(await exit).toMatchObject({ runtime: 'thread', threadId, reason: 'runaway', signal: null })
    expect(await pool.call.threadId()).not.toBe(threadId)
    expect(pool.stats()).toMatchObject({ state: 'running', workers: 1, restarts: 1 })
  })

  it('terminates and replaces a runaway thread by default when the pool has a timeout', async () => {
    const pool = startThreadPool({ max: 1, timeout: 200 })
    await pool.ready()
    const threadId = await pool.call.threadId()
    const exit = next(pool, 'exit')
    expect(await outcome(pool.call.spin(30_000))).toBeInstanceOf(TimeoutError)
    expect(await exit).toMatchObject({ runtime: 'thread', threadId, reason: 'runaway' })
    expect(await pool.call.threadId(undefined, { timeout: 15_000 })).not.toBe(threadId) // its replacement's start
  })
})

describe('a pool of threads: close', () => {
  it('lets running and queued calls finish, then stops every thread and says how each ended', async () => {
    const pool = startThreadPool({ max: 1 })
    const threadId = await pool.call.threadId()
    const calls = [pool.call.sleep(200), pool.call.sleep(200)]
    const results = await pool.close({ grace: 5_000 })
    expect((await Promise.all(calls)).map((r) => r.threadId)).toEqual([threadId, threadId])
    expect(results).toEqual([{ runtime: 'thread', pid: process.pid, threadId, module: fixture('pool.worker.ts'), code: 0, signal: null, forced: false }])
    expect(pool.stats()).toMatchObject({ state: 'closed', workers: 0 })
    expect(workers()).toEqual([])
    await expect(pool.call.threadId()).rejects.toBeInstanceOf(ChannelClosedError)
  })

  it('rejects calls still queued after grace with ChannelClosedError, and terminates a thread that does not stop', async () => {
    const pool = startThreadPool({ max: 1 })
    await pool.ready()
    const spinning = outcome(pool.call.spin(60_000))
    const queued = outcome(pool.call.threadId())
    const results = await pool.close({ grace: 100, killTimeout: 200 })
    expect(await queued).toBeInstanceOf(ChannelClosedError)
    expect(await spinning).toBeInstanceOf(WorkerExitedError)
    expect(results).toEqual([expect.objectContaining({ runtime: 'thread', forced: true, signal: null })])
    expect(workers()).toEqual([])
  })

  it('tells the exit events of a closed pool apart from crashes', async () => {
    const pool = startThreadPool({ min: 2, max: 2 })
    const events = record(pool, 'exit', 'restart')
    await idleWorkers(pool, 2)
    await pool.close()
    await until(() => events.length === 2, 'both exit events')
    expect(events.map(([kind, event]) => [kind, (event as PoolEvents['exit']).reason, event.runtime])).toEqual([
      ['exit', 'closed', 'thread'],
      ['exit', 'closed', 'thread'],
    ])
    expect(pool.stats()).toMatchObject({ state: 'closed', restarts: 0 })
  })
})
