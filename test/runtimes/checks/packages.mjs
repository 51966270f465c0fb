// Checks of the other packages: @forkrpc/testing, @forkrpc/tracing and @forkrpc/nats.
import assert from 'node:assert/strict'
import { fork as forkChild, spawn } from 'node:child_process'
import { accessSync, constants } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { defineContract, fork, procedure, workers, WorkerExitedError } from '@forkrpc/core'
import { assertNoWorkers, createTestPair, fixtures, mockWorker, NotImplementedError, WorkersStillRunningError } from '@forkrpc/testing'
import { host, suite } from '../fixtures/suite.contract.mjs'
import { traced } from '../fixtures/traced.contract.mjs'
import { exitOf, fixture, rejectionOf } from '../harness.mjs'

/** Handlers for every procedure of the suite's contract: `add` adds, the rest return null. */
const handlers = { ...Object.fromEntries(suite.names.map((name) => [name, () => null])), add: ({ a, b }) => a + b, echo: (value) => value }

export const packages = [
  {
    id: 'testing',
    title: '`@forkrpc/testing`: the test pair and its faults, `mockWorker`, a fixture worker, `assertNoWorkers()`',
    async run(ctx) {
      const pair = createTestPair(suite, handlers, { host })
      assert.equal(await pair.call.add({ a: 1, b: 2 }), 3)
      pair.faults.exit({ exitCode: 1 })
      assert.ok((await rejectionOf(pair.call.add({ a: 1, b: 2 }))) instanceof WorkerExitedError)
      const advanced = createTestPair(suite, handlers, { host, serialization: 'advanced' })
      assert.deepEqual(await advanced.call.echo(new Map([[1, new Uint8Array([2])]])), new Map([[1, new Uint8Array([2])]]))
      await advanced.close()
      const mock = mockWorker(defineContract({ add: procedure(), echo: procedure() }), { add: () => 5 })
      assert.equal(await mock.call.add({ a: 1, b: 1 }), 5)
      assert.ok((await rejectionOf(mock.call.echo(1))) instanceof NotImplementedError)
      assert.equal(mock.calls.length, 2)
      const crashing = await ctx.fork({}, fixtures.crashOnFirstCall)
      const error = await rejectionOf(crashing.call.add({ a: 1, b: 1 }))
      assert.ok(error instanceof WorkerExitedError && error.exitCode === 1, `got ${error?.name}: ${error?.message}`)
      await ctx.fork()
      assert.ok((await rejectionOf(assertNoWorkers())) instanceof WorkersStillRunningError)
      assert.equal(workers().length, 0)
    },
  },
  {
    id: 'testing-vitest',
    title: '`@forkrpc/testing/vitest` under vitest 4: `forkForTest()`, `expectNoWorkersAfterEach()`',
    scope: 'parent',
    async run() {
      // vitest on this runtime (fork() starts the runtime that runs this), over test/runtimes/vitest/.
      const vitest = join(dirname(createRequire(import.meta.url).resolve('vitest/package.json')), 'vitest.mjs')
      const child = forkChild(vitest, ['run', '--config', fixture('../vitest/vitest.config.mjs')], { execArgv: [], stdio: ['ignore', 'pipe', 'pipe', 'ipc'], env: { ...process.env, NO_COLOR: '1' } })
      let output = ''
      child.stdout.on('data', (data) => (output += data))
      child.stderr.on('data', (data) => (output += data))
      const exit = await exitOf(child)
      assert.deepEqual(exit, { code: 0, signal: null }, output)
      assert.match(output, /Tests\s+3 passed/)
    },
  },
  {
    id: 'tracing',
    title: "`@forkrpc/tracing`: the worker's spans are children of the parent's",
    async run(ctx) {
      // Imported here: a package that fails to load fails its check, not the suite.
      const [{ trace }, { tracingInterceptors }, { startOtel }] = await Promise.all([import('@opentelemetry/api'), import('@forkrpc/tracing'), import('../fixtures/otel.mjs')])
      const otel = startOtel()
      try {
        const worker = await fork(traced, fixture('traced.worker.mjs'), { ...ctx.workerOptions, interceptors: tracingInterceptors() })
        try {
          const tracer = trace.getTracer('suite')
          await tracer.startActiveSpan('root', async (root) => {
            assert.equal(await worker.call.work('a'), 'a')
            root.end()
          })
          const parentSpans = otel.spans()
          const rootSpan = parentSpans.find((span) => span.name === 'root')
          const client = parentSpans.find((span) => span.name === 'forkrpc work')
          assert.equal(client?.parentSpanId, rootSpan.spanId)
          const workerSpans = await worker.call.spans()
          const server = workerSpans.find((span) => span.name === 'forkrpc work')
          const inner = workerSpans.find((span) => span.name === 'inner a')
          assert.equal(server?.traceId, rootSpan.traceId)
          assert.equal(server?.parentSpanId, client.spanId)
          assert.equal(inner?.parentSpanId, server.spanId)
        } finally {
          await worker.close()
        }
      } finally {
        await otel.stop()
      }
    },
  },
  {
    id: 'nats',
    title: '`@forkrpc/nats`: `serveNats()` and `connectNats()` over a nats-server',
    scope: 'parent',
    async run() {
      const [{ connectNats, serveNats }, { connect }] = await Promise.all([import('@forkrpc/nats'), import('@nats-io/transport-node')])
      const server = await startNatsServer()
      const connection = await connect({ servers: server.url })
      const subject = `forkrpc.suite.${process.pid}`
      const servingConnection = await connect({ servers: server.url })
      const served = await serveNats(traced, { work: (label) => `${label} over nats`, spans: () => [] }, { connection: servingConnection, subject })
      try {
        const worker = await connectNats(traced, { connection, subject, timeout: 5_000 })
        assert.equal(await worker.call.work('a'), 'a over nats')
        await worker.close()
      } finally {
        await served.close()
        await Promise.all([connection.close(), servingConnection.close()])
        server.child.kill('SIGTERM')
        await exitOf(server.child)
      }
    },
  },
]

/** nats-server (NATS_SERVER_BIN, or Debian's /usr/sbin/nats-server) on a free port of 127.0.0.1. */
async function startNatsServer() {
  const binary = [process.env.NATS_SERVER_BIN, '/usr/sbin/nats-server', '/usr/local/bin/nats-server', '/usr/bin/nats-server'].find((path) => {
    try {
      return path !== undefined && (accessSync(path, constants.X_OK), true)
    } catch {
      return false
    }
  })
  if (binary === undefined) throw new Error('nats-server not found: install it (apt-get install nats-server) or set NATS_SERVER_BIN')
  const child = spawn(binary, ['-a', '127.0.0.1', '-p', '-1'], { stdio: ['ignore', 'ignore', 'pipe'] })
  let log = ''
  child.stderr.setEncoding('utf8')
  const port = await new Promise((resolve, reject) => {
    child.stderr.on('data', (data) => {
      log += data
      const listening = /Listening for client connections on [^\s]*:(\d+)/.exec(log)
      if (listening !== null && /Server is ready/.test(log)) resolve(Number(listening[1]))
    })
    child.once('exit', () => reject(new Error(`nats-server exited before it was ready:\n${log}`)))
  })
  child.stderr.resume()
  return { child, url: `nats://127.0.0.1:${port}` }
}
