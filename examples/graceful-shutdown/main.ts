/**
 * graceful-shutdown: the process manager done right. The parent tracks every worker it
 * started; on Ctrl-C (SIGINT) or SIGTERM, `handleSignals()` stops them all in stages:
 * calls in flight get `grace` ms to finish, then each worker is asked to shut down (its
 * handlers' `ctx.signal` aborts, its `onShutdown` hooks run, it exits 0), then SIGTERM,
 * then SIGKILL after `killTimeout` for any that ignore it. Nothing is left behind, and
 * the parent decides what happens next (forkrpc never calls `process.exit()`).
 *
 * So that it runs unattended, this example sends itself SIGINT after a moment: press
 * Ctrl-C instead if you like, or `kill -TERM <pid>` from another terminal.
 *
 * Run: pnpm exec tsx examples/graceful-shutdown/main.ts
 */
import assert from 'node:assert/strict'
import { AbortError, createPool, fork, handleSignals, workers, type ShutdownResult } from '@forkrpc/core'
import { jobs } from './jobs.contract.js'

console.log(`== graceful-shutdown: Ctrl-C stops every worker in stages (parent pid ${process.pid}) ==`)

const worker = new URL('./jobs.worker.js', import.meta.url)
const shutdown = new Promise<{ results: ShutdownResult[]; signal: NodeJS.Signals }>((resolve) => {
  // 1. Opt in once, at startup. With onShutdown the app decides what happens afterwards.
  handleSignals({ grace: 1_000, killTimeout: 1_000, onShutdown: (results, signal) => resolve({ results, signal }) })
})

// 2. Workers of any kind: a single forked worker and a pool of two.
const single = await fork(jobs, worker)
const pool = createPool(jobs, worker, { min: 2, max: 2 })
pool.on('exit', ({ pid, reason, code }) => console.log(`  [pool] worker ${pid} exited (${reason}, code ${code})`))
await pool.ready() // both workers (min: 2) are ready
console.log('-- the registry knows every worker this process started:')
for (const { pid, module, state } of workers()) console.log(`  pid ${pid} ${state} ${module.split('/').slice(-2).join('/')}`)

// 3. Work in flight when the signal comes: a short job finishes within the grace period;
// a long one does not, so its worker gets SIGTERM after `grace`, which serve() handles like
// a shutdown request: the handler's ctx.signal aborts, the hooks run, the worker exits 0.
// (A worker that ignored SIGTERM would get SIGKILL after `killTimeout`: forced: true.)
const short = single.call.job({ name: 'short', ms: 300 })
const long = pool.call.job({ name: 'long', ms: 60_000 }).catch((error: unknown) => error)
console.log('-- running a 300 ms job and a 60 s job')

setTimeout(() => {
  console.log('-- sending myself SIGINT, as Ctrl-C would')
  process.kill(process.pid, 'SIGINT')
}, 200)

const { results, signal } = await shutdown
console.log(`-- ${signal}: every worker has stopped`)
console.log(`  short job: ${await short}`)
const longError = await long
assert.ok(longError instanceof AbortError, `expected an AbortError, got ${String(longError)}`)
console.log(`  long job: ${longError.name}: ${longError.message}`)
for (const { pid, code, signal: killedBy, forced } of results) console.log(`  worker ${pid}: code ${code}, signal ${killedBy}, forced ${forced}`)
assert.equal(results.length, 3)
for (const result of results) assert.deepEqual([result.code, result.forced], [0, false])
assert.deepEqual(workers(), [])
console.log('-- no worker left; the parent exits by itself')
