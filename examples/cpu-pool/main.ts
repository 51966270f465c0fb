/**
 * cpu-pool: CPU-bound work spread over a pool of worker processes, one per core, against
 * the same work run inline on the main thread; then what a timeout does to synchronous work.
 *
 * 1. The range is cut into chunks; the pool sends each chunk to the least busy worker
 *    (`concurrency: 1`, the default, suits CPU-bound work) and queues the rest. The speed-up
 *    is at most the number of cores, less the cost of IPC and of the other processes on the
 *    machine: on 2 cores, expect somewhat under 2x. The workers are started (and warmed up)
 *    before the clock starts; a worker takes a few tens of ms to start.
 * 2. Every call has a deadline (the pool's `timeout`). A synchronous handler cannot see its
 *    signal abort, so a call that times out would hold its worker until the handler ends
 *    (here: minutes). A pool with a timeout replaces such a runaway worker after
 *    `cancelGrace` (default `DEFAULT_CANCEL_GRACE`, 1 s): the call fails at its deadline, the
 *    worker is killed a second later and a fresh one starts, while the others keep serving.
 *    What it costs: one worker's capacity for the grace and its replacement's start.
 *
 * Run: pnpm exec tsx examples/cpu-pool/main.ts
 */
import assert from 'node:assert/strict'
import { availableParallelism, loadavg } from 'node:os'
import { createPool, DEFAULT_CANCEL_GRACE, TimeoutError } from '@forkrpc/core'
import { countPrimes } from './count-primes.js'
import { primes } from './primes.contract.js'

const LIMIT = 2_000_000
const CHUNKS = 16
const cores = availableParallelism()
console.log(`== cpu-pool: counting the primes below ${LIMIT.toLocaleString('en')} in ${CHUNKS} chunks, on ${cores} core(s) ==`)

const chunks = Array.from({ length: CHUNKS }, (_, i) => ({ from: Math.floor((LIMIT * i) / CHUNKS), to: Math.floor((LIMIT * (i + 1)) / CHUNKS) }))

// 1. Inline, on the main thread.
let started = performance.now()
const inline = chunks.reduce((sum, { from, to }) => sum + countPrimes(from, to), 0)
const inlineMs = performance.now() - started
console.log(`inline:          ${inline} primes in ${Math.round(inlineMs)} ms`)

// 2. A pool with one worker per core, started and warmed up first. Every call gets 10 s: far
// more than a chunk takes, so only a runaway call times out.
await using pool = createPool(primes, new URL('./primes.worker.js', import.meta.url), { min: cores, max: cores, timeout: 10_000 })
await pool.ready() // resolves once `min` (here: all) workers are ready
// A call with `concurrency: 1` goes to an idle worker: this warms up each one.
await Promise.all(Array.from({ length: cores }, () => pool.call.count({ from: 0, to: 200_000 })))
started = performance.now()
const counts = await Promise.all(chunks.map((chunk) => pool.call.count(chunk)))
const pooled = counts.reduce((sum, count) => sum + count, 0)
const poolMs = performance.now() - started
console.log(`pool of ${cores}:       ${pooled} primes in ${Math.round(poolMs)} ms`)

assert.equal(pooled, inline)
console.log(`speed-up: ${(inlineMs / poolMs).toFixed(2)}x with ${cores} worker(s) (at most ${cores}x, less the IPC)`)

// 3. A call that cannot finish in time: primes below 10 billion, with 300 ms to do it.
console.log(`\n== a timeout on synchronous work: the worker is replaced ${DEFAULT_CANCEL_GRACE} ms after the deadline ==`)
const exited = new Promise<{ pid: number; reason: string; at: number }>((resolve) => pool.on('exit', ({ pid, reason }) => resolve({ pid, reason, at: performance.now() })))
const replaced = exited.then(() => new Promise<number>((resolve) => pool.on('ready', () => resolve(performance.now()))))
started = performance.now()
const runaway = await pool.call.count({ from: 0, to: 10_000_000_000 }, { timeout: 300 }).catch((error: unknown) => error)
const timedOutAt = performance.now()
assert.ok(runaway instanceof TimeoutError, `expected a TimeoutError, got ${String(runaway)}`)
console.log(`count(< 10 billion) with { timeout: 300 }: ${runaway.name} after ${Math.round(timedOutAt - started)} ms; its handler runs on, blind to its signal`)
// Meanwhile the other workers keep serving (with one core, the call waits for the replacement).
const during = await pool.call.count({ from: 0, to: 100_000 })
assert.equal(during, 9_592)
const exit = await exited
assert.equal(exit.reason, 'runaway')
const readyAt = await replaced
console.log(`worker ${exit.pid} killed ${Math.round(exit.at - timedOutAt)} ms after the deadline (reason ${exit.reason}); its replacement was ready ${Math.round(readyAt - exit.at)} ms later`)
assert.equal(await pool.call.count({ from: 0, to: 100_000 }), 9_592)
assert.equal(pool.stats().restarts, 1)
console.log(
  `what the timeout cost: one worker for ${Math.round(readyAt - timedOutAt)} ms past the deadline (cancelGrace and a start), instead of until the handler ends; stats().restarts = ${pool.stats().restarts}`,
)
const load = loadavg()[0] ?? 0
if (load > cores / 2) console.log(`note: the load average is ${load.toFixed(1)} on ${cores} core(s): other processes compete for them, so the speed-up is lower`)
