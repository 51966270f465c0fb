/**
 * cpu-pool: CPU-bound work spread over a pool of worker processes, one per core, against
 * the same work run inline on the main thread. The range is cut into chunks; the pool
 * sends each chunk to the least busy worker (`concurrency: 1`, the default, suits
 * CPU-bound work) and queues the rest.
 *
 * The speed-up is at most the number of cores, less the cost of IPC and of the other
 * processes on the machine: on 2 cores, expect somewhat under 2x. The pool's workers are
 * started (and warmed up) before the clock starts; a worker takes a few hundred ms to start.
 *
 * Run: pnpm exec tsx examples/cpu-pool/main.ts
 */
import assert from 'node:assert/strict'
import { availableParallelism, loadavg } from 'node:os'
import { createPool } from '@forkrpc/core'
import { countPrimes } from './count-primes.js'
import { primes } from './primes.contract.js'

const LIMIT = 4_000_000
const CHUNKS = 24
const cores = availableParallelism()
console.log(`== cpu-pool: counting the primes below ${LIMIT.toLocaleString('en')} in ${CHUNKS} chunks, on ${cores} core(s) ==`)

const chunks = Array.from({ length: CHUNKS }, (_, i) => ({ from: Math.floor((LIMIT * i) / CHUNKS), to: Math.floor((LIMIT * (i + 1)) / CHUNKS) }))

// 1. Inline, on the main thread.
let started = performance.now()
const inline = chunks.reduce((sum, { from, to }) => sum + countPrimes(from, to), 0)
const inlineMs = performance.now() - started
console.log(`inline:          ${inline} primes in ${Math.round(inlineMs)} ms`)

// 2. A pool with one worker per core, started and warmed up first.
await using pool = createPool(primes, new URL('./primes.worker.ts', import.meta.url), { min: cores, max: cores })
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
const load = loadavg()[0] ?? 0
if (load > cores / 2) console.log(`note: the load average is ${load.toFixed(1)} on ${cores} core(s): other processes compete for them, so the speed-up is lower`)
