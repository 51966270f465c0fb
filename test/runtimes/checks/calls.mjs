// Checks of calls over a process worker: results, values, errors, timeouts, pipelining, and
// the advanced serialization.
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { connect, TimeoutError } from '@forkrpc/core'
import { host, ParseError, suite } from '../fixtures/suite.contract.mjs'
import { exitOf, fixture, rejectionOf, waitFor } from '../harness.mjs'

export const calls = [
  {
    id: 'fork',
    title: '`fork()` and a call',
    async run(ctx) {
      const worker = await ctx.fork()
      assert.equal(await worker.call.add({ a: 1, b: 2 }), 3)
    },
  },
  {
    id: 'connect',
    title: "`connect()` to a child spawned with an `'ipc'` stdio entry",
    async run(ctx) {
      const { execPath = process.execPath, execArgv = [] } = ctx.workerOptions
      const child = spawn(execPath, [...execArgv, fixture('suite.worker.mjs')], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'] })
      try {
        const worker = await connect(suite, child, { host })
        assert.equal(await worker.call.add({ a: 2, b: 2 }), 4)
        assert.deepEqual(await worker.close(), { code: 0, signal: null, forced: false })
      } finally {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
      }
    },
  },
  {
    id: 'values',
    title: 'Date, Map, Set, BigInt, undefined and NaN arrive exactly',
    async run(ctx) {
      const worker = await ctx.fork()
      const value = { at: new Date(1_700_000_000_000), map: new Map([[1, 'one']]), set: new Set(['a']), big: 2n ** 70n, none: undefined, nan: NaN }
      const back = await worker.call.echo(value)
      assert.ok(back.at instanceof Date && back.map instanceof Map && back.set instanceof Set)
      assert.deepEqual(back, value)
      assert.ok('none' in back)
    },
  },
  {
    id: 'errors',
    title: 'a custom error class comes back as itself, with its `code` and `cause`',
    async run(ctx) {
      const worker = await ctx.fork()
      const error = await rejectionOf(worker.call.fail('bad input'))
      assert.ok(error instanceof ParseError, `got ${error?.constructor?.name}: ${error?.message}`)
      assert.equal(error.message, 'bad input')
      assert.equal(error.code, 'E_PARSE')
      assert.ok(error.cause instanceof RangeError)
    },
  },
  {
    id: 'stacks',
    title: "a failed call's stack: the worker's frames, the crossing, then the frames of the code that awaited it",
    async run(ctx) {
      const worker = await ctx.fork()
      async function callerThatAwaits() {
        return await worker.call.fail('with a stack')
      }
      const { stack } = await rejectionOf(callerThatAwaits())
      assert.match(stack, /suite\.worker\.mjs/, `no frame of the worker's handler in:\n${stack}`)
      assert.match(stack, /<forkrpc call "fail" from the parent>/, `no crossing line in:\n${stack}`)
      assert.match(stack, /callerThatAwaits/, `no frame of the function that awaited the call in:\n${stack}`)
      assert.ok(stack.indexOf('suite.worker.mjs') < stack.indexOf('callerThatAwaits'), `the caller's frames do not follow the worker's in:\n${stack}`)
    },
  },
  {
    id: 'timeout',
    title: "a timeout rejects with `TimeoutError` and aborts the handler's signal; so does an `AbortSignal`",
    async run(ctx) {
      const worker = await ctx.fork()
      const error = await rejectionOf(worker.call.sleep(10_000, { timeout: 100 }))
      assert.ok(error instanceof TimeoutError)
      // The handler's signal aborts at the deadline, in the worker: ask until it has.
      await waitFor(async () => (await worker.call.lastAbort()) === 'TimeoutError', "the handler's signal aborts with TimeoutError")
      const controller = new AbortController()
      const aborted = rejectionOf(worker.call.sleep(10_000, { signal: controller.signal }))
      setTimeout(() => controller.abort(), 50)
      assert.equal((await aborted).name, 'AbortError')
      // The caller rejects at once; the cancel reaches the handler a moment later.
      await waitFor(async () => (await worker.call.lastAbort()) === 'AbortError', "the handler's signal aborts with AbortError")
    },
  },
  {
    id: 'pipelined',
    title: '10,000 pipelined calls',
    async run(ctx) {
      const worker = await ctx.fork()
      const sums = await Promise.all(Array.from({ length: 10_000 }, (_, i) => worker.call.add({ a: i, b: 1 })))
      assert.equal(sums.length, 10_000)
      sums.forEach((sum, i) => assert.equal(sum, i + 1))
    },
  },
  {
    id: 'advanced',
    title: "`serialization: 'advanced'`: Buffers, typed arrays and cycles",
    async run(ctx) {
      // In a parent of its own: a worker whose v8 serialization this runtime cannot read
      // makes its IPC reader throw, which no listener can catch.
      const parent = ctx.parent('advanced')
      const exit = exitOf(parent.child)
      const line = await Promise.race([parent.lines.next(), exit.then((how) => ({ exited: how }))])
      assert.deepEqual(line, { cycle: true, bytes: [1, 2, 3], big: '1', buffer: 'hello', errorClass: 'ParseError' }, parent.stderr())
      assert.deepEqual(await exit, { code: 0, signal: null })
    },
  },
]
