/**
 * pool-liveness: a pool with `unresponsiveAfter`. A worker that is alive but stuck (stopped
 * with SIGSTOP here, or a handler in a synchronous loop) stops answering the pool's pings;
 * after that long, its calls reject with WorkerUnresponsiveError (an idempotent one is
 * retried on another worker), the pool says for how long it was silent, kills it and starts
 * a fresh one. Without the option, those calls would wait for ever.
 *
 * Run: pnpm exec tsx examples/pool-liveness/main.ts
 */
import assert from 'node:assert/strict'
import { createPool, WorkerUnresponsiveError } from '@forkrpc/core'
import { jobs } from './jobs.contract.js'

console.log('== pool-liveness: a stuck worker is given up on, its calls failed or retried, and replaced ==')

// Set it above the longest a handler may block on purpose: long synchronous work looks the same.
await using pool = createPool(jobs, new URL('./jobs.worker.js', import.meta.url), { min: 2, max: 2, unresponsiveAfter: 1_000 })
pool.on('unresponsive', ({ pid, silentFor }) => console.log(`  [pool] worker ${pid} silent for ${silentFor} ms: given up on`))
pool.on('exit', ({ pid, reason, signal }) => console.log(`  [pool] worker ${pid} exited: ${reason} (${signal})`))
pool.on('ready', ({ pid }) => console.log(`  [pool] worker ${pid} ready`))
await pool.ready()

// 1. A worker stopped with SIGSTOP (as a debugger, a frozen container or a swapped-out
// machine would leave it): the idempotent thumbnail on it is retried on the other worker.
const stopped = await pool.call.pid(undefined, { key: 'photos' })
process.kill(stopped, 'SIGSTOP')
const started = performance.now()
const thumbnail = await pool.call.thumbnail({ image: 'cat.png' }, { key: 'photos' })
assert.notEqual(thumbnail.worker, stopped)
console.log(`thumbnail(cat.png) answered by worker ${thumbnail.worker} after ${Math.round(performance.now() - started)} ms: retried there once ${stopped} was given up on`)

// 2. A handler stuck in a synchronous loop: no timeout needed for its call to end.
const error = await pool.call.parse('((a+)+)+$').catch((err: unknown) => err)
assert.ok(error instanceof WorkerUnresponsiveError, `expected WorkerUnresponsiveError, got ${String(error)}`)
console.log(`parse(...) rejected: ${error.message}`)

// The pool is whole again: two workers, neither of them a stuck one.
const pids = new Set(await Promise.all([pool.call.thumbnail({ image: 'a.png' }), pool.call.thumbnail({ image: 'b.png' })]).then((done) => done.map((d) => d.worker)))
assert.ok(!pids.has(stopped))
await pool.ready() // both replacements are up
const { restarts, workers } = pool.stats()
assert.equal(restarts, 2)
assert.equal(workers, 2)
console.log(`stats: ${workers} workers, ${restarts} replaced`)
