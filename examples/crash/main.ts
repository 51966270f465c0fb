/**
 * crash: when the worker process dies in the middle of calls (it exits, or is killed by
 * a signal), every call in flight rejects with WorkerExitedError, which says how the
 * process ended. The parent is unaffected, and close() still resolves with the exit.
 *
 * Run: pnpm exec tsx examples/crash/main.ts
 */
import assert from 'node:assert/strict'
import { fork, WorkerExitedError } from '@forkrpc/core'
import { crashy } from './crashy.contract.js'

console.log('== crash: a dying worker rejects every call in flight ==')

for (const how of ['exit', 'kill'] as const) {
  const worker = await fork(crashy, new URL('./crashy.worker.js', import.meta.url))
  try {
    console.log(`-- crash({ how: '${how}' }) with three work(10000) calls in flight (worker pid ${worker.pid})`)
    const calls = [worker.call.work(10_000), worker.call.work(10_000), worker.call.work(10_000), worker.call.crash({ how })]
    const settled = await Promise.allSettled(calls)
    const errors = settled.map((result) => (result.status === 'rejected' ? (result.reason as unknown) : `resolved: ${result.value}`))
    for (const err of errors) {
      assert.ok(err instanceof WorkerExitedError, `expected a WorkerExitedError, got ${String(err)}`)
      if (how === 'exit') assert.equal(err.exitCode, 3)
      else assert.equal(err.signal, 'SIGKILL')
    }
    const first = errors[0] as WorkerExitedError
    console.log(`  all ${errors.length} calls rejected with WorkerExitedError (exitCode ${first.exitCode}, signal ${first.signal})`)
    console.log(`  e.g. "${first.message}"`)

    // Later calls fail at once with the same error.
    const late = await worker.call.work(1).catch((err: unknown) => err)
    assert.ok(late instanceof WorkerExitedError)
    console.log(`  a later call rejected too: ${late.message}`)
  } finally {
    // close() on a worker that is already gone just reports how it ended.
    const exit = await worker.close()
    console.log(`  close() = ${JSON.stringify(exit)}`)
  }
}
console.log(`the parent (pid ${process.pid}) is fine and carries on`)
