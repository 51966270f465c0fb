/**
 * Streams, input streams and host procedures through a pool of real worker processes: a
 * stream holds its worker's slot until it ends, fails with the typed error when its worker
 * dies mid-stream (and is not retried), and leaves the queue when its consumer breaks off or
 * its timeout runs out there; host procedures are served in the parent for every worker.
 */
import { describe, expect, it, vi } from 'vitest'
import { createPool, TimeoutError, WorkerExitedError, type Pool, type PoolEvents } from '@forkrpc/core'
import { configured, MissingKeyError } from '../../fixtures/config.contract.js'
import { until } from '../../fixtures/pool-harness.js'
import { streams } from '../../fixtures/stream.contract.js'
import { childPids, fixture, tsx } from '../../helpers.js'

type Closable = { close(options: { grace: number; killTimeout: number }): Promise<unknown> }
const quiet = { execArgv: tsx, stdio: ['ignore', 'ignore', 'pipe', 'ipc'] as ['ignore', 'ignore', 'pipe', 'ipc'], idleTimeout: 0, prefetch: 0 } // calls beyond the slot wait in the pool's queue, which these tests look at

/** Runs `test` with a pool, and closes it after, pass or fail (the harness's pools are of another contract). */
async function withPool<P extends Closable>(pool: P, test: (pool: P) => Promise<void>): Promise<void> {
  try {
    await test(pool)
  } finally {
    await pool.close({ grace: 0, killTimeout: 500 })
    expect(childPids()).toEqual([])
  }
}

describe('a pool: streams', () => {
  it('streams chunks from a worker, and holds its slot until the stream ends', () =>
    withPool(createPool(streams, fixture('stream.worker.ts'), { ...quiet, max: 1 }), async (pool) => {
      const numbers = pool.call.numbers({})[Symbol.asyncIterator]()
      expect(await numbers.next()).toEqual({ done: false, value: 0 })
      expect(await numbers.next()).toEqual({ done: false, value: 1 })
      let answered = false
      const ping = pool.call.ping().then((pong) => ((answered = true), pong))
      await new Promise((resolve) => setTimeout(resolve, 200))
      // The only worker's slot is the stream's: the call waits in the queue.
      expect(answered).toBe(false)
      expect(pool.stats()).toMatchObject({ queued: 1, inFlight: 1 })
      await numbers.return?.()
      expect(await ping).toBe('pong')
      const all: number[] = []
      for await (const n of pool.call.numbers({ count: 5 }, { priority: 1 })) all.push(n)
      expect(all).toEqual([0, 1, 2, 3, 4])
      // A bad routing option fails the first next(), never the call itself.
      const bad = pool.call.numbers({}, { priority: Number.POSITIVE_INFINITY })
      await expect(bad.next()).rejects.toThrow(new TypeError('call "numbers": options.priority must be a finite number, got Infinity'))
    }))

  it('fails a stream whose worker dies mid-stream with WorkerExitedError, after its chunks, and does not retry it', () =>
    withPool(createPool(streams, fixture('stream.worker.ts'), { ...quiet, max: 1 }), async (pool) => {
      const exits: Array<PoolEvents['exit']> = []
      pool.on('exit', (exit) => exits.push(exit))
      const got: string[] = []
      const error = await (async () => {
        for await (const chunk of pool.call.dies(7)) got.push(chunk)
      })().catch((e: unknown) => e)
      expect(got).toEqual(['first'])
      expect(error).toBeInstanceOf(WorkerExitedError)
      expect(error).toMatchObject({ procedure: 'dies', exitCode: 7 })
      await until(() => exits.length === 1, 'the exit event')
      expect(exits[0]).toMatchObject({ reason: 'crash', code: 7 })
      // Not run again: no second worker was started for it.
      await new Promise((resolve) => setTimeout(resolve, 300))
      expect(pool.stats()).toMatchObject({ workers: 0, starting: 0, queued: 0, inFlight: 0 })
    }))

  it('takes a queued stream out of the queue when its consumer breaks off, or its timeout runs out there', () =>
    withPool(createPool(streams, fixture('stream.worker.ts'), { ...quiet, max: 1 }), async (pool) => {
      const holder = pool.call.numbers({})[Symbol.asyncIterator]()
      await holder.next()
      const waiting = pool.call.numbers({ count: 3 })
      const pending = waiting.next()
      await until(() => pool.stats().queued === 1, 'the second stream queued')
      await expect(waiting.return?.()).resolves.toEqual({ done: true, value: undefined })
      await expect(pending).resolves.toEqual({ done: true, value: undefined })
      expect(pool.stats().queued).toBe(0)
      const timed = pool.call.numbers({ count: 3 }, { timeout: 200 })
      const error = await timed.next().catch((e: unknown) => e)
      expect(error).toBeInstanceOf(TimeoutError)
      expect(error).toMatchObject({ procedure: 'numbers', timeout: 200 })
      expect(pool.stats()).toMatchObject({ queued: 0, inFlight: 1 })
      await holder.return?.()
    }))

  it('takes input streams: the parent streams the chunks to the worker that runs the call', () =>
    withPool(createPool(streams, fixture('stream.worker.ts'), { ...quiet, max: 2 }), async (pool) => {
      function* upTo(n: number) {
        for (let i = 1; i <= n; i++) yield i
      }
      expect(await Promise.all([pool.call.sum([1, 2, 3]), pool.call.sum(upTo(100), { credit: 8, key: 'k' })])).toEqual([6, 5050])
    }))

  it('refuses an input stream call whose input is not iterable with a TypeError, at once: it neither waits in the queue nor starts a worker', () =>
    withPool(createPool(streams, fixture('stream.worker.ts'), { ...quiet, max: 1, maxQueue: 0 }), async (pool) => {
      // @ts-expect-error -- not an iterable of numbers
      const refused = pool.call.sum(42)
      expect(pool.stats()).toMatchObject({ workers: 0, starting: 0, queued: 0, inFlight: 0 })
      await expect(refused).rejects.toThrow(new TypeError('call "sum": expected an AsyncIterable or an Iterable of chunks, got number'))
    }))
})

describe('a pool: host procedures', () => {
  it("serves the contract's host procedures in the parent for every worker, errors included", () => {
    const getConfig = vi.fn((key: string) => {
      if (key === 'missing') throw new MissingKeyError(key)
      return `value of ${key}`
    })
    const pool: Pool<typeof configured> = createPool(configured, fixture('config.worker.ts'), { ...quiet, min: 2, max: 2, host: { getConfig } })
    return withPool(pool, async () => {
      await until(() => pool.stats().idle === 2, 'two idle workers', 15_000)
      const answers = await Promise.all(['a', 'b', 'c', 'd'].map((key) => pool.call.describe(key, { key })))
      for (const [i, key] of ['a', 'b', 'c', 'd'].entries()) expect(answers[i]).toMatch(new RegExp(`^${key}=value of ${key} \\(asked from \\d+\\)$`))
      // Both workers asked the parent.
      expect(new Set(answers.map((answer) => answer.split('from ')[1])).size).toBe(2)
      expect(getConfig).toHaveBeenCalledTimes(4)
      expect(await pool.call.describe('missing')).toBe('missing is missing')
    })
  })
})

describe('a pool of threads: streams, input streams and host procedures', () => {
  it('streams, takes input streams and serves host procedures as a process pool does', () => {
    const getConfig = vi.fn((key: string) => `value of ${key}`)
    const threads = { runtime: 'thread' as const, idleTimeout: 0, max: 1, execArgv: tsx }
    return withPool(createPool(streams, fixture('stream.worker.ts'), threads), async (pool) => {
      const all: number[] = []
      for await (const n of pool.call.numbers({ count: 4 })) all.push(n)
      expect(all).toEqual([0, 1, 2, 3])
      expect(await pool.call.sum([4, 5, 6])).toBe(15)
      const configuredThreads = createPool(configured, fixture('config.worker.ts'), { ...threads, host: { getConfig } })
      await withPool(configuredThreads, async () => {
        expect(await configuredThreads.call.describe('a')).toMatch(/^a=value of a \(asked from \d+\)$/)
        expect(getConfig).toHaveBeenCalledWith('a', expect.objectContaining({ procedure: 'getConfig' }))
      })
    })
  })
})
