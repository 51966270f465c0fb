/**
 * deadlines: a call's timeout travels with it as a deadline. The worker's handler sees it
 * (`ctx.deadline`), and the calls it makes back to the parent (`ctx.host`) inherit what is
 * left of it, so a nested call never outlives the call that made it: when the deadline
 * passes, the nested call fails too, with a TimeoutError that says whose deadline it was
 * (`inheritedFrom`), and the parent's host handler saw the deadline as its own.
 *
 * Run: pnpm exec tsx examples/deadlines/main.ts
 */
import assert from 'node:assert/strict'
import { setTimeout as sleep } from 'node:timers/promises'
import { fork, TimeoutError } from '@forkrpc/core'
import { reports } from './report.contract.js'

console.log('== deadlines: a timeout flows down to the calls a handler makes ==')

const hostDeadlines: Array<number | undefined> = []
const worker = await fork(reports, new URL('./report.worker.js', import.meta.url), {
  host: {
    // A slow lookup the parent serves: 150 ms each, cut short when its (inherited) deadline passes.
    async lookup(key, ctx) {
      hostDeadlines.push(ctx.deadline === undefined ? undefined : ctx.deadline - Date.now())
      await sleep(150, undefined, { signal: ctx.signal })
      return key.toUpperCase()
    },
  },
})
try {
  // Enough time for two lookups: the report is done.
  console.log(`report(2) within 1 s: ${await worker.call.report(2, { timeout: 1_000 })}`)

  // Five lookups take 750 ms; the report has 400.
  const failed = await worker.call.report(5, { timeout: 400 }).catch((error: unknown) => error)
  assert.ok(failed instanceof TimeoutError, `expected a TimeoutError, got ${String(failed)}`)
  console.log(`report(5) within 400 ms: ${failed.name}: ${failed.message}`)

  await sleep(50) // the worker records the nested failure as its deadline passes
  const seen = await worker.call.lastReport()
  console.log(`  the handler started with ${seen?.leftAtStart} ms left and finished ${seen?.lookedUp} lookup(s)`)
  console.log(`  its nested lookup failed with ${seen?.error?.name}, inherited from "${seen?.error?.inheritedFrom}"`)
  console.log(`  time left the parent's lookup handler saw, per call: ${hostDeadlines.map((left) => `${left} ms`).join(', ')}`)
  assert.ok(seen !== undefined && seen.leftAtStart <= 400)
  assert.equal(seen.lookedUp, 2)
  assert.deepEqual(seen.error, { name: 'TimeoutError', inheritedFrom: 'report' })
  // The third lookup had what was left of the 400 ms: less than 150.
  assert.ok((hostDeadlines.at(-1) ?? Infinity) < 150)
} finally {
  await worker.close()
}
