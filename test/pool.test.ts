/**
 * The pool, against real worker processes: dispatch, the queue, crash recovery and the
 * crash-loop guard, recycling, two-level cancellation, close. Every test closes its pools
 * afterwards, pass or fail, and checks that no worker process is left.
 */
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { afterEach, describe, expect, it } from 'vitest'
import {
  ChannelClosedError,
  CrashLoopError,
  createPool,
  shutdownAll,
  QueueFullError,
  StartupError,
  TimeoutError,
  WorkerExitedError,
  workers,
  type Pool,
  type PoolEvents,
  type PoolOptions,
} from '@forkrpc/core'
import { poolContract } from './fixtures/pool.contract.js'
import { childPids, fixture, isAlive, track, tsx } from './helpers.js'

type PoolContract = typeof poolContract

const pools = new Set<Pool<PoolContract>>()

/** A pool of test/fixtures/pool.worker.ts (or `worker`), closed after the test. */
function startPool(options: PoolOptions = {}, worker = 'pool.worker.ts'): Pool<PoolContract> {
  const pool = createPool(poolContract, fixture(worker), { execArgv: tsx, stdio: ['ignore', 'ignore', 'pipe', 'ipc'], idleTimeout: 0, ...options })
  pools.add(pool)
  return pool
}

/** Every event of these kinds, in order, as `[kind, payload]`. */
function record<E extends keyof PoolEvents>(pool: Pool<PoolContract>, ...kinds: E[]): Array<[E, PoolEvents[E]]> {
  const seen: Array<[E, PoolEvents[E]]> = []
  for (const kind of kinds) pool.on(kind, (event) => seen.push([kind, event]))
  return seen
}

/** Resolves with the first `event` that `accept` accepts; rejects after `ms`. */
function next<E extends keyof PoolEvents>(pool: Pool<PoolContract>, event: E, accept: (payload: PoolEvents[E]) => boolean = () => true, ms = 10_000): Promise<PoolEvents[E]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      stop()
      reject(new Error(`no '${event}' event within ${ms} ms`))
    }, ms)
    const stop = pool.on(event, (payload) => {
      if (!accept(payload)) return
      clearTimeout(timer)
      stop()
      resolve(payload)
    })
  })
}

/** Waits until `condition()` holds; fails after `ms`. */
async function until(condition: () => boolean, what: string, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await delay(10)
  }
}

/** Waits until `count` workers are ready and idle (a worker starts in about a second under tsx). */
async function idleWorkers(pool: Pool<PoolContract>, count: number): Promise<void> {
  await until(() => pool.stats().idle === count, `${count} idle worker(s), have ${JSON.stringify(pool.stats())}`, 15_000)
}

const delay = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

/** Settles `promise` into its value or its error, for assertions on both at once. */
const outcome = <T>(promise: Promise<T>): Promise<T | unknown> => promise.catch((error: unknown) => error)

afterEach(async () => {
  const closing = [...pools].map((pool) => pool.close({ grace: 0, killTimeout: 500 }).catch(() => undefined))
  pools.clear()
  await Promise.all(closing)
  // A pool's close() resolves once every worker has exited: nothing may be left.
  await until(() => childPids().length === 0, 'every worker process to be gone', 5_000).catch(() => undefined)
  const left = childPids()
  for (const pid of left) process.kill(pid, 'SIGKILL')
  expect(left, 'worker processes left behind by a pool').toEqual([])
})

describe('a pool: dispatch and the queue', () => {
  it('answers typed calls like a single worker', async () => {
    const pool = startPool({ max: 1 })
    const pid = await pool.call.pid()
    expect(typeof pid).toBe('number')
    expect(childPids()).toEqual([pid])
    const ran = await pool.call.sleep(1)
    expect(ran).toEqual({ pid, peak: 1 })
    // @ts-expect-error sleep takes a number
    await expect(pool.call.sleep('1')).resolves.toBeDefined()
  })

  it('starts workers on demand, never more than max, and runs at most concurrency calls on each', async () => {
    const pool = startPool({ max: 2, concurrency: 2 })
    const events = record(pool, 'spawn')
    expect(pool.stats()).toMatchObject({ workers: 0, starting: 0 })
    const ran = await Promise.all(Array.from({ length: 8 }, () => pool.call.sleep(150)))
    expect(events.filter(([kind]) => kind === 'spawn')).toHaveLength(2)
    expect(new Set(ran.map((r) => r.pid)).size).toBeLessThanOrEqual(2)
    for (const r of ran) expect(r.peak).toBeLessThanOrEqual(2)
    expect(Math.max(...ran.map((r) => r.peak))).toBe(2)
  })

  it('sends each call to the least busy worker', async () => {
    const pool = startPool({ min: 2, max: 2, concurrency: 4 })
    await idleWorkers(pool, 2)
    const ran = await Promise.all(Array.from({ length: 4 }, () => pool.call.sleep(300)))
    const [a, b] = [...new Set(ran.map((r) => r.pid))]
    expect(b).toBeDefined()
    // Alternately: each worker got two of the four, and ran them together.
    expect(ran.map((r) => r.pid)).toEqual([a, b, a, b])
    expect(ran.map((r) => r.peak)).toEqual([2, 2, 2, 2])
    // And a call goes to the idle worker rather than the busy one.
    const busy = pool.call.sleep(400)
    await delay(50)
    const next = await pool.call.sleep(1)
    expect(next.pid).not.toBe((await busy).pid)
  })

  it('counts busy and idle workers, queued calls and calls in flight', async () => {
    const pool = startPool({ min: 2, max: 2 })
    expect(pool.stats()).toMatchObject({ state: 'running', queued: 0, inFlight: 0 })
    await idleWorkers(pool, 2)
    expect(pool.stats()).toMatchObject({ workers: 2, starting: 0, busy: 0, idle: 2 })
    const calls = [pool.call.sleep(300)]
    expect(pool.stats()).toMatchObject({ busy: 1, idle: 1, queued: 0, inFlight: 1 })
    calls.push(pool.call.sleep(300), pool.call.sleep(300), pool.call.sleep(300))
    expect(pool.stats()).toMatchObject({ workers: 2, busy: 2, idle: 0, queued: 2, inFlight: 2 })
    await Promise.all(calls)
    expect(pool.stats()).toMatchObject({ workers: 2, busy: 0, idle: 2, queued: 0, inFlight: 0, restarts: 0 })
  })

  it('rejects a call with QueueFullError when maxQueue calls are waiting already', async () => {
    const pool = startPool({ min: 1, max: 1, maxQueue: 1 })
    await idleWorkers(pool, 1)
    const running = pool.call.sleep(200)
    const queued = pool.call.sleep(1)
    const error = await outcome(pool.call.pid())
    expect(error).toBeInstanceOf(QueueFullError)
    expect(error).toMatchObject({ code: 'ERR_FORKRPC_QUEUE_FULL', maxQueue: 1, procedure: 'pid' })
    // The running and the queued call are not affected.
    const [a, b] = await Promise.all([running, queued])
    expect(a.pid).toBe(b.pid)
  })

  it('times out a queued call after its own timeout, queue time included', async () => {
    const pool = startPool({ min: 1, max: 1 })
    await idleWorkers(pool, 1)
    const running = pool.call.sleep(1_000)
    const started = Date.now()
    const error = await outcome(pool.call.pid(undefined, { timeout: 100 }))
    expect(error).toBeInstanceOf(TimeoutError)
    expect(error).toMatchObject({ code: 'ERR_FORKRPC_TIMEOUT', timeout: 100, procedure: 'pid' })
    // It left the queue without waiting for the running call.
    expect(Date.now() - started).toBeLessThan(900)
    expect(pool.stats().queued).toBe(0)
    await running
  })

  it("reports the call's own timeout when it ran out on the worker after waiting in the queue", async () => {
    const pool = startPool({ min: 1, max: 1 })
    await idleWorkers(pool, 1)
    const running = pool.call.sleep(300)
    // 600 ms in all: about 300 in the queue, the rest on the worker, where it runs out.
    const error = await outcome(pool.call.wait(2_000, { timeout: 600 }))
    expect(error).toBeInstanceOf(TimeoutError)
    expect(error).toMatchObject({ timeout: 600, procedure: 'wait' })
    await running
  })

  it('honours the timeout of the pool and of the procedure for queued calls', async () => {
    const pool = startPool({ min: 1, max: 1, timeout: 150 })
    await idleWorkers(pool, 1)
    const running = outcome(pool.call.sleep(400))
    await expect(pool.call.pid()).rejects.toMatchObject({ name: 'TimeoutError', timeout: 150 })
    expect(await running).toBeInstanceOf(TimeoutError)
  })

  it("rejects a queued call with its signal's reason when the signal aborts", async () => {
    const pool = startPool({ min: 1, max: 1 })
    await idleWorkers(pool, 1)
    const running = pool.call.sleep(500)
    const controller = new AbortController()
    const queued = outcome(pool.call.pid(undefined, { signal: controller.signal }))
    expect(pool.stats().queued).toBe(1)
    const reason = new Error('the user went away')
    controller.abort(reason)
    expect(await queued).toBe(reason)
    expect(pool.stats().queued).toBe(0)
    // An already aborted signal rejects at once.
    await expect(pool.call.pid(undefined, { signal: AbortSignal.abort(reason) })).rejects.toBe(reason)
    await running
  })

  it('rejects bad options with a TypeError', () => {
    expect(() => createPool(poolContract, fixture('pool.worker.ts'), { min: 3, max: 2 })).toThrow(TypeError)
    expect(() => createPool(poolContract, fixture('pool.worker.ts'), { concurrency: 0 })).toThrow(/concurrency/)
    expect(() => createPool(poolContract, fixture('pool.worker.ts'), { maxHeapBytes: -1 })).toThrow(/maxHeapBytes/)
    expect(() => createPool(poolContract, fixture('pool.worker.ts'), { maxStartupFailures: 0 })).toThrow(/maxStartupFailures/)
    expect(childPids()).toEqual([])
  })
})

describe('a pool: crash recovery', () => {
  it('rejects the calls of a worker that dies with WorkerExitedError, retries idempotent ones once, and replaces it', async () => {
    const pool = startPool({ min: 1, max: 1, concurrency: 4 })
    const events = record(pool, 'exit', 'restart', 'ready')
    const pid = await pool.call.pid()
    const plain = [outcome(pool.call.sleep(2_000)), outcome(pool.call.sleep(2_000))]
    const idempotent = pool.call.sleepIdempotent(200)
    await delay(100) // the calls have reached the worker
    process.kill(pid, 'SIGKILL')
    for (const error of await Promise.all(plain)) {
      expect(error).toBeInstanceOf(WorkerExitedError)
      expect(error).toMatchObject({ signal: 'SIGKILL', pid })
    }
    const retried = await idempotent
    expect(retried.pid).not.toBe(pid)
    expect(events).toContainEqual(['exit', { pid, reason: 'crash', code: null, signal: 'SIGKILL' }])
    expect(events).toContainEqual(['restart', expect.objectContaining({ pid, reason: 'crash' })])
    expect(events.filter(([kind]) => kind === 'ready').map(([, event]) => event.pid)).toEqual([pid, retried.pid])
    expect(pool.stats()).toMatchObject({ state: 'running', restarts: 1, workers: 1 })
    expect(await pool.call.pid()).toBe(retried.pid)
  })

  it('fails an idempotent call whose retry dies too', async () => {
    const pool = startPool({ max: 1, backoff: 1 })
    pool.on('ready', ({ pid }) => setTimeout(() => isAlive(pid) && process.kill(pid, 'SIGKILL'), 150))
    const error = await outcome(pool.call.sleepIdempotent(5_000))
    expect(error).toBeInstanceOf(WorkerExitedError)
    expect(pool.stats().restarts).toBeGreaterThanOrEqual(2)
  })

  it('stops respawning workers that crash at startup, says so, and leaves no process', async () => {
    const pool = startPool({ max: 2, maxStartupFailures: 3, backoff: 10 }, 'throws-on-load.worker.ts')
    const events = record(pool, 'spawn', 'exit', 'restart', 'crashloop')
    const error = await outcome(pool.call.pid())
    expect(error).toBeInstanceOf(CrashLoopError)
    expect(error).toMatchObject({ code: 'ERR_FORKRPC_CRASH_LOOP', procedure: 'pid' })
    expect((error as Error).message).toContain('3 worker(s) in a row failed to start')
    const cause = (error as Error).cause as StartupError
    expect(cause).toBeInstanceOf(StartupError)
    expect(cause.message + String(cause.stderr)).toContain('boom while loading the worker')

    const crashloops = events.filter(([kind]) => kind === 'crashloop')
    expect(crashloops).toHaveLength(1)
    expect(crashloops[0]?.[1]).toMatchObject({ detail: expect.stringContaining('failed to start') })
    const exits = events.filter(([kind]) => kind === 'exit').map(([, event]) => event as PoolEvents['exit'])
    expect(exits.map((exit) => exit.reason)).toEqual(['startup', 'startup', 'startup'])
    expect(exits.every((exit) => exit.error instanceof StartupError)).toBe(true)
    expect(pool.stats().state).toBe('crash-loop')

    // No more starts: later calls fail at once, and nothing is running.
    const spawns = events.filter(([kind]) => kind === 'spawn').length
    expect(spawns).toBe(3)
    await expect(pool.call.pid()).rejects.toBeInstanceOf(CrashLoopError)
    await delay(500)
    expect(events.filter(([kind]) => kind === 'spawn').length).toBe(spawns)
    expect(childPids()).toEqual([])
  })

  it('backs off between failed starts, doubling the wait', async () => {
    const pool = startPool({ max: 1, maxStartupFailures: 3, backoff: 100 }, 'throws-on-load.worker.ts')
    const restarts = record(pool, 'restart')
    await expect(pool.call.pid()).rejects.toBeInstanceOf(CrashLoopError)
    expect(restarts.map(([, event]) => event)).toEqual([
      { pid: expect.any(Number), reason: 'startup', delay: expect.any(Number) },
      { pid: expect.any(Number), reason: 'startup', delay: expect.any(Number) },
    ])
    const [first, second] = restarts.map(([, event]) => event.delay)
    expect(first).toBeGreaterThan(50)
    expect(first).toBeLessThanOrEqual(100)
    expect(second).toBeGreaterThan(150)
    expect(second).toBeLessThanOrEqual(200)
  })

  it('tries one start again after restartWindow, and trips again if it fails', async () => {
    const pool = startPool({ max: 2, maxStartupFailures: 2, backoff: 10, restartWindow: 400 }, 'throws-on-load.worker.ts')
    const events = record(pool, 'spawn', 'crashloop')
    const count = (kind: 'spawn' | 'crashloop'): number => events.filter(([seen]) => seen === kind).length
    await expect(pool.call.pid()).rejects.toBeInstanceOf(CrashLoopError)
    expect([count('spawn'), count('crashloop')]).toEqual([2, 1])
    await delay(600)
    // Half-open: a single start is tried (not max), and its failure trips the guard again.
    await expect(pool.call.pid()).rejects.toBeInstanceOf(CrashLoopError)
    expect([count('spawn'), count('crashloop')]).toEqual([3, 2])
    expect(pool.stats().state).toBe('crash-loop')
  })

  it('restarts a crashed worker to keep min running without any call waiting', async () => {
    const pool = startPool({ min: 2, max: 2 })
    await idleWorkers(pool, 2)
    const [victim] = childPids()
    const restart = next(pool, 'restart')
    process.kill(victim as number, 'SIGKILL')
    expect(await restart).toMatchObject({ pid: victim, reason: 'crash' })
    await idleWorkers(pool, 2)
    expect(childPids()).toHaveLength(2)
    expect(childPids()).not.toContain(victim)
    expect(pool.stats()).toMatchObject({ restarts: 1, state: 'running' })
  })

  it('rejects 100 calls in flight with WorkerExitedError when their worker is SIGKILLed', async () => {
    const pool = startPool({ min: 1, max: 1, concurrency: 100 })
    const pid = await pool.call.pid()
    const calls = Array.from({ length: 100 }, () => outcome(pool.call.sleep(30_000)))
    await until(() => pool.stats().inFlight === 100, '100 calls in flight')
    await delay(100) // they have reached the worker
    process.kill(pid, 'SIGKILL')
    for (const error of await Promise.all(calls)) expect(error).toMatchObject({ name: 'WorkerExitedError', pid, signal: 'SIGKILL' })
  })

  it('trips the guard when more than maxRestarts ready workers die within the window', async () => {
    const pool = startPool({ max: 1, maxRestarts: 1, backoff: 1 })
    const crashloop = next(pool, 'crashloop')
    process.kill(await pool.call.pid(), 'SIGKILL')
    process.kill(await pool.call.pid(), 'SIGKILL')
    expect(await crashloop).toMatchObject({ detail: expect.stringContaining('maxRestarts: 1') })
    await until(() => pool.stats().workers === 0, 'the dead worker to be gone')
    expect(pool.stats().state).toBe('crash-loop')
    await expect(pool.call.pid()).rejects.toBeInstanceOf(CrashLoopError)
  })

  it('keeps answering while its workers are killed at random', { timeout: 60_000 }, async () => {
    const pool = startPool({ min: 2, max: 2, concurrency: 2, maxRestarts: Infinity, backoff: 5, maxBackoff: 50 })
    const ready = new Set<number>()
    pool.on('ready', ({ pid }) => ready.add(pid))
    pool.on('exit', ({ pid }) => ready.delete(pid))
    await until(() => ready.size === 2, 'two ready workers')
    // A worker takes about a second to start under tsx on a busy machine: kill one of the
    // ready ones every 150-300 ms, so that the pool is often short of workers.
    let killing = true
    let kills = 0
    const killer = (async () => {
      while (killing) {
        await delay(150 + Math.random() * 150)
        const pids = [...ready]
        const pid = pids[Math.floor(Math.random() * pids.length)]
        if (killing && pid !== undefined && isAlive(pid)) {
          process.kill(pid, 'SIGKILL')
          kills += 1
        }
      }
    })()
    const results: Array<{ ok: boolean; idempotent: boolean; error?: unknown }> = []
    const stream = Array.from({ length: 150 }, async (_, i) => {
      await delay(i * 20)
      const idempotent = i % 2 === 0
      try {
        await (idempotent ? pool.call.sleepIdempotent(20) : pool.call.sleep(20))
        results.push({ ok: true, idempotent })
      } catch (error) {
        results.push({ ok: false, idempotent, error })
      }
    })
    await Promise.all(stream)
    killing = false
    await killer
    expect(kills).toBeGreaterThanOrEqual(3)
    // Every failure is a worker dying mid-call (an idempotent call only when its retry died
    // too); the pool itself never wedges, never trips, never answers with anything else.
    for (const result of results.filter((r) => !r.ok)) expect(result.error).toBeInstanceOf(WorkerExitedError)
    expect(results.filter((r) => r.ok).length).toBeGreaterThan(results.length / 2)
    expect(pool.stats()).toMatchObject({ state: 'running', restarts: kills })
    // Once the killing stops, every call succeeds.
    const after = await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 === 0 ? pool.call.sleep(5) : pool.call.pid())))
    expect(after).toHaveLength(10)
  })
})

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
      { pid: pids[0], reason: 'recycled', code: 0, signal: null },
      { pid: pids[2], reason: 'recycled', code: 0, signal: null },
    ])
    expect(pool.stats().restarts).toBe(0)
  })

  it('replaces a worker whose heap is over maxHeapBytes after a call', async () => {
    const pool = startPool({ max: 1, maxHeapBytes: 64 * 1024 * 1024 })
    const pid = await pool.call.pid()
    const exit = next(pool, 'exit')
    const heapUsed = await pool.call.allocate(96)
    expect(heapUsed).toBeGreaterThan(64 * 1024 * 1024)
    expect(await exit).toEqual({ pid, reason: 'memory', code: 0, signal: null })
    expect(await pool.call.pid()).not.toBe(pid)
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
    expect(await exit).toEqual({ pid, reason: 'idle', code: 0, signal: null })
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
    expect(await exit).toEqual({ pid, reason: 'runaway', code: null, signal: 'SIGKILL' })
    const replacement = await pool.call.pid()
    expect(replacement).not.toBe(pid)
    expect(pool.stats()).toMatchObject({ state: 'running', workers: 1 })
  })

  it('keeps the process alive while a call waits for a runaway worker to be replaced', async () => {
    // In its own parent process: vitest would keep this one alive whatever the pool does.
    const parent = spawn(process.execPath, [...tsx, fixture('pool-runaway-parent.ts')], { stdio: ['ignore', 'pipe', 'inherit'] })
    track(parent)
    let output = ''
    parent.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      output += chunk
      for (const match of chunk.matchAll(/"spawned":(\d+)/g)) track(Number(match[1]))
    })
    const [code] = (await once(parent, 'exit')) as [number | null]
    const answer = JSON.parse(output.trim().split('\n').at(-1) ?? '{}') as { first?: number; second?: number }
    expect(code).toBe(0)
    expect(answer.second).toEqual(expect.any(Number))
    expect(answer.second).not.toBe(answer.first)
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

  it('keeps a worker whose handler stops when its signal aborts', async () => {
    const pool = startPool({ max: 1, cancelGrace: 100 })
    const events = record(pool, 'exit')
    const pid = await pool.call.pid()
    await expect(pool.call.wait(30_000, { timeout: 100 })).rejects.toBeInstanceOf(TimeoutError)
    await delay(400)
    expect(events).toEqual([])
    expect(await pool.call.pid()).toBe(pid)
  })
})

describe('a pool: close', () => {
  it('lets running and queued calls finish, then stops every worker', async () => {
    const pool = startPool({ max: 1 })
    const pid = await pool.call.pid()
    const calls = [pool.call.sleep(200), pool.call.sleep(200)]
    const results = await pool.close({ grace: 5_000 })
    expect((await Promise.all(calls)).map((r) => r.pid)).toEqual([pid, pid])
    expect(results).toEqual([{ pid, module: fixture('pool.worker.ts'), code: 0, signal: null, forced: false }])
    expect(pool.stats()).toMatchObject({ state: 'closed', workers: 0 })
    expect(isAlive(pid)).toBe(false)
    await expect(pool.call.pid()).rejects.toBeInstanceOf(ChannelClosedError)
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
    // While the pool drains this call, shutdownAll() stops the idle worker directly.
    const running = pool.call.sleep(500)
    const results = await shutdownAll({ grace: 2_000, killTimeout: 1_000 })
    expect((await running).pid).toEqual(expect.any(Number))
    expect(results.map((result) => result.pid).sort()).toEqual([...pids].sort())
    for (const result of results) expect(result).toMatchObject({ code: 0, forced: false })
    await until(() => events.filter(([kind]) => kind === 'exit').length === 2, 'both exit events')
    // Both stopped, none replaced, none counted as a crash.
    expect(events.filter(([kind]) => kind !== 'exit')).toEqual(pids.map((pid) => ['spawn', { pid }]))
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
