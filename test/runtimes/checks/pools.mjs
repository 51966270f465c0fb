// Checks of pools of processes and of threads, and of threads on their own.
import assert from 'node:assert/strict'
import { createPool, spawnThread, WorkerExitedError } from '@forkrpc/core'
import { host, suite } from '../fixtures/suite.contract.mjs'
import { fixture, rejectionOf, waitFor, within } from '../harness.mjs'

const WORKER = fixture('suite.worker.mjs')

/** Runs `body` with a pool of the suite's worker, closed afterwards. */
async function withPool(options, body) {
  const pool = createPool(suite, WORKER, { host, ...options })
  try {
    return await body(pool)
  } finally {
    await pool.close({ grace: 0, killTimeout: 500 })
  }
}

export const pools = [
  {
    id: 'pool',
    title: 'a pool of 2 processes: calls on both workers; a crashed worker is replaced',
    async run(ctx) {
      await withPool({ ...ctx.workerOptions, stdio: ['ignore', 'ignore', 'pipe', 'ipc'], min: 2, max: 2, backoff: 10 }, async (pool) => {
        await pool.ready()
        const infos = await Promise.all(Array.from({ length: 20 }, () => pool.call.info()))
        assert.equal(new Set(infos.map((info) => info.pid)).size, 2, 'both workers ran calls')
        const exits = []
        const readied = []
        pool.on('exit', (event) => exits.push(event))
        pool.on('ready', (event) => readied.push(event.pid))
        assert.ok((await rejectionOf(pool.call.crash(3))) instanceof WorkerExitedError)
        assert.equal(exits[0]?.reason, 'crash')
        await waitFor(() => readied.length === 1, 'a new worker replaces the crashed one')
        const after = await Promise.all(Array.from({ length: 20 }, () => pool.call.info()))
        assert.ok(after.some((info) => info.pid === readied[0]), 'the new worker runs calls')
      })
    },
  },
  {
    id: 'pool-memory',
    title: '`maxHeapBytes`: a pool replaces a worker whose heap grew over the limit',
    async run(ctx) {
      await withPool({ ...ctx.workerOptions, stdio: ['ignore', 'ignore', 'pipe', 'ipc'], max: 1, maxHeapBytes: 64 * 1024 * 1024 }, async (pool) => {
        const exits = []
        pool.on('exit', (event) => exits.push(event.reason))
        assert.equal(await pool.call.allocate(128), 128)
        assert.equal(await pool.call.add({ a: 1, b: 1 }), 2)
        assert.deepEqual(exits, ['memory'])
      })
    },
  },
  {
    id: 'thread',
    title: '`spawnThread()`: calls, a stream, events, two-way calls, `close()`',
    scope: 'parent',
    async run() {
      const worker = await spawnThread(suite, WORKER, { host })
      try {
        assert.equal(await worker.call.add({ a: 1, b: 2 }), 3)
        const chunks = []
        for await (const chunk of worker.call.count(100)) chunks.push(chunk)
        assert.equal(chunks.length, 100)
        const heard = []
        await worker.call.progress(3, { onProgress: ({ pct }) => heard.push(pct) })
        assert.deepEqual(heard, [1, 2, 3])
        assert.equal(await worker.call.askHost(4), 8)
      } finally {
        assert.deepEqual(await worker.close(), { code: 0, signal: null, forced: false })
      }
    },
  },
  {
    id: 'thread-inspect',
    title: "`inspect: true` on a thread: it opens an inspector and reports its URL",
    scope: 'parent',
    async run() {
      const worker = await spawnThread(suite, WORKER, { host, inspect: true })
      try {
        assert.match(worker.inspectorUrl ?? 'undefined', /^ws:\/\/127\.0\.0\.1:\d+\//)
      } finally {
        await worker.close()
      }
    },
  },
  {
    id: 'thread-pool',
    title: "a pool of 2 threads (`runtime: 'thread'`)",
    scope: 'parent',
    async run() {
      await withPool({ runtime: 'thread', min: 2, max: 2 }, async (pool) => {
        await pool.ready()
        const sums = await Promise.all(Array.from({ length: 1_000 }, (_, i) => pool.call.add({ a: i, b: 1 })))
        sums.forEach((sum, i) => assert.equal(sum, i + 1))
        assert.equal(pool.stats().workers, 2)
      })
    },
  },
  {
    id: 'thread-limits',
    title: '`resourceLimits`: a thread over its heap limit ends, and its call rejects',
    scope: 'parent',
    async run() {
      const worker = await spawnThread(suite, WORKER, { host, resourceLimits: { maxOldGenerationSizeMb: 32 } })
      try {
        const error = await within(rejectionOf(worker.call.allocate(256)), 10_000, 'the call rejects')
        assert.ok(error instanceof WorkerExitedError, `got ${error?.name}: ${error?.message}`)
      } finally {
        await worker.close({ grace: 0, killTimeout: 500 })
      }
    },
  },
  {
    id: 'thread-limits-liveness',
    title: '`resourceLimits` with `unresponsiveAfter`: the call of a thread over its heap limit rejects',
    scope: 'parent',
    async run() {
      const worker = await spawnThread(suite, WORKER, { host, resourceLimits: { maxOldGenerationSizeMb: 32 }, unresponsiveAfter: 1_000 })
      try {
        const error = await within(rejectionOf(worker.call.allocate(256)), 10_000, 'the call rejects')
        assert.ok(error instanceof WorkerExitedError, `got ${error?.name}: ${error?.message}`)
      } finally {
        await worker.close({ grace: 0, killTimeout: 500 })
      }
    },
  },
]
