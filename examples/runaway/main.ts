/**
 * runaway: a handler stuck in a synchronous loop cannot see its `ctx.signal` abort, so a
 * timeout alone would leave it holding its worker for ever. With `cancelGrace`, a pool
 * kills a worker whose cancelled (or timed-out) handler has not settled that many ms later,
 * and starts a fresh one: the next call just works.
 *
 * Run: pnpm exec tsx examples/runaway/main.ts
 */
import assert from 'node:assert/strict'
import { createPool, TimeoutError } from '@forkrpc/core'
import { stuck } from './stuck.contract.js'

console.log('== runaway: a stuck handler is killed and its worker replaced ==')

await using pool = createPool(stuck, new URL('./stuck.worker.js', import.meta.url), { max: 1, cancelGrace: 500 })
pool.on('spawn', ({ pid }) => console.log(`  [pool] worker ${pid} started`))
pool.on('exit', ({ pid, reason, code, signal }) => console.log(`  [pool] worker ${pid} exited: ${reason} (code ${code}, signal ${signal})`))

const first = await pool.call.ping()
console.log(`ping() = ${first}`)

// Many billions of iterations: minutes of CPU. The call gives up after 300 ms; the
// handler's signal aborts, but it is not looking; 500 ms later the pool kills the worker.
const exits: unknown[] = []
pool.on('exit', (event) => exits.push(event))
const started = performance.now()
const error = await pool.call.crunch({ iterations: 1e12 }, { timeout: 300 }).catch((err: unknown) => err)
assert.ok(error instanceof TimeoutError, `expected a TimeoutError, got ${String(error)}`)
console.log(`crunch(1e12) with { timeout: 300 } rejected after ${Math.round(performance.now() - started)} ms: ${error.message}`)

// The next call waits for the slot: the stuck worker is killed, a fresh one starts.
const second = await pool.call.ping()
assert.notEqual(second, first)
assert.deepEqual(exits, [{ runtime: 'process', pid: first, threadId: undefined, reason: 'runaway', code: null, signal: 'SIGKILL' }])
console.log(`ping() = ${second} after ${Math.round(performance.now() - started)} ms: a fresh worker answers (timeout 300 + cancelGrace 500 + its startup)`)
console.log(`crunch(1e6) = ${await pool.call.crunch({ iterations: 1e6 })}`)
console.log(`stats: ${JSON.stringify(pool.stats())}`)
