// Checks of a worker's life as its parent sees it: startup failures, crashes, the staged
// close() in each of its stages, SIGTERM, and giving up on a worker that stopped answering.
import assert from 'node:assert/strict'
import { StartupError, WorkerExitedError, WorkerUnresponsiveError } from '@forkrpc/core'
import { fixtures } from '@forkrpc/testing'
import { fixture, isAlive, rejectionOf, waitFor } from '../harness.mjs'

export const lifecycle = [
  {
    id: 'startup-error',
    title: '`StartupError` with the exit code and stderr of a worker that exits while starting',
    async run(ctx) {
      const error = await rejectionOf(ctx.fork({}, fixtures.exitsAtStartup))
      assert.ok(error instanceof StartupError, `got ${error?.name}: ${error?.message}`)
      assert.equal(error.exitCode, 1)
      assert.match(error.stderr ?? '', /exits-at-startup: exiting with code 1/)
    },
  },
  {
    id: 'crash',
    title: '`WorkerExitedError` with the exit code and stderr of a worker that dies mid-call',
    async run(ctx) {
      const worker = await ctx.fork()
      const error = await rejectionOf(worker.call.crash(3))
      assert.ok(error instanceof WorkerExitedError, `got ${error?.name}: ${error?.message}`)
      assert.equal(error.exitCode, 3)
      assert.match(error.stderr ?? '', /crashing on purpose/)
    },
  },
  {
    id: 'close-idle',
    title: '`close()` of an idle worker: it exits 0 at once',
    async run(ctx) {
      const worker = await ctx.fork()
      const started = Date.now()
      assert.deepEqual(await worker.close({ grace: 5_000, killTimeout: 5_000 }), { code: 0, signal: null, forced: false })
      // Its shutdown is bounded by 3 s (serve()'s shutdownTimeout), after which it exits 1.
      assert.ok(Date.now() - started < 2_500, `took ${Date.now() - started} ms`)
    },
  },
  {
    id: 'close',
    title: '`close()` lets a call in flight finish, then the worker exits 0',
    async run(ctx) {
      const worker = await ctx.fork()
      const call = worker.call.sleep(200)
      assert.deepEqual(await worker.close({ grace: 5_000 }), { code: 0, signal: null, forced: false })
      assert.equal(await call, 'slept')
      assert.match(ctx.stderrOf(worker), /shutdown: request/)
    },
  },
  {
    id: 'close-stopped',
    title: '`close()` wakes a stopped (SIGSTOP) worker, which exits 0',
    async run(ctx) {
      const worker = await ctx.fork()
      process.kill(worker.pid, 'SIGSTOP')
      assert.deepEqual(await worker.close({ grace: 5_000, killTimeout: 5_000 }), { code: 0, signal: null, forced: false })
    },
  },
  {
    id: 'close-forced',
    title: '`close()` SIGKILLs a worker that ignores SIGTERM (`forced: true`)',
    async run(ctx) {
      const worker = await ctx.fork()
      await worker.call.ignoreSigterm()
      void worker.call.hang().catch(() => undefined) // never settles: close() cannot ask it to shut down
      await worker.call.add({ a: 1, b: 1 }) // answered after the hang started (calls run in order of arrival)
      assert.deepEqual(await worker.close({ grace: 100, killTimeout: 300 }), { code: null, signal: 'SIGKILL', forced: true })
      assert.match(ctx.stderrOf(worker), /SIGTERM ignored/)
      assert.ok(!isAlive(worker.pid))
    },
  },
  {
    id: 'sigterm',
    title: "SIGTERM to the worker: its handlers' signals abort, `onShutdown` runs, it exits 0",
    async run(ctx) {
      const worker = await ctx.fork()
      const call = rejectionOf(worker.call.sleep(10_000))
      await worker.call.add({ a: 1, b: 1 }) // answered once the sleep has started (calls run in order)
      process.kill(worker.pid, 'SIGTERM')
      const error = await call
      assert.equal(error.name, 'AbortError')
      assert.match(error.message, /shutting down \(SIGTERM\)/)
      await waitFor(() => !isAlive(worker.pid), 'the worker exits')
      assert.deepEqual(await worker.close(), { code: 0, signal: null, forced: false })
      assert.match(ctx.stderrOf(worker), /shutdown: SIGTERM/)
    },
  },
  {
    id: 'unresponsive',
    title: '`unresponsiveAfter`: a stopped worker is given up on and killed',
    async run(ctx) {
      const worker = await ctx.fork({ unresponsiveAfter: 300 })
      process.kill(worker.pid, 'SIGSTOP')
      const error = await rejectionOf(worker.call.add({ a: 1, b: 1 }))
      assert.ok(error instanceof WorkerUnresponsiveError, `got ${error?.name}: ${error?.message}`)
      await waitFor(() => !isAlive(worker.pid), 'the stopped worker is killed')
    },
  },
  {
    id: 'stderr',
    title: "the worker's stderr is piped and quoted (its last lines) in errors",
    async run(ctx) {
      const error = await rejectionOf(ctx.fork({}, fixture('throws.worker.mjs')))
      assert.ok(error instanceof StartupError)
      assert.match(error.stderr ?? '', /thrown while loading/)
    },
  },
  {
    id: 'inspect',
    title: '`inspect: true`: the worker opens an inspector and reports its URL',
    async run(ctx) {
      const worker = await ctx.fork({ inspect: true })
      assert.match(worker.inspectorUrl ?? 'undefined', /^ws:\/\/127\.0\.0\.1:\d+\//)
    },
  },
]
