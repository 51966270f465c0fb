/**
 * timeout-cancel: a call that times out, and a call cancelled with an AbortController.
 * Either way the parent's promise rejects at once, and the handler's `ctx.signal`
 * aborts in the child (with a TimeoutError or an AbortError as its reason), so the
 * handler can stop its work.
 *
 * Run: pnpm exec tsx examples/timeout-cancel/main.ts
 */
import assert from 'node:assert/strict'
import { fork, TimeoutError } from '@forkrpc/core'
import { sleeper } from './sleeper.contract.js'

console.log('== timeout-cancel: timeouts and AbortSignals reach the handler ==')

const worker = await fork(sleeper, new URL('./sleeper.worker.js', import.meta.url))
try {
  console.log(`slow(20) = ${await worker.call.slow(20)}`)

  // 1. A per-call timeout. (A procedure or a worker can have a default timeout too.)
  const timedOut = await worker.call.slow(10_000, { timeout: 100 }).catch((err: unknown) => err)
  assert.ok(timedOut instanceof TimeoutError, `expected a TimeoutError, got ${String(timedOut)}`)
  console.log(`slow(10000, { timeout: 100 }) rejected: ${timedOut.name}: ${timedOut.message}`)
  const seenOnTimeout = await worker.call.lastAbort()
  console.log(`  the child's ctx.signal aborted with ${seenOnTimeout?.name}: ${seenOnTimeout?.message}`)
  assert.equal(seenOnTimeout?.name, 'TimeoutError')

  // 2. Cancellation: the call rejects with the signal's own reason (here the default, a
  // DOMException named AbortError; forkrpc's AbortError is what the child sees).
  const controller = new AbortController()
  setTimeout(() => controller.abort(), 100)
  const cancelled = await worker.call.slow(10_000, { signal: controller.signal }).catch((err: unknown) => err)
  assert.equal(cancelled, controller.signal.reason)
  console.log(`slow(10000, { signal }) rejected with the signal's reason: ${(cancelled as Error).name}: ${(cancelled as Error).message}`)
  const seenOnCancel = await worker.call.lastAbort()
  console.log(`  the child's ctx.signal aborted with ${seenOnCancel?.name}: ${seenOnCancel?.message}`)
  assert.equal(seenOnCancel?.name, 'AbortError')

  // The worker is still there and answers the next call.
  console.log(`slow(20) = ${await worker.call.slow(20)}`)
} finally {
  await worker.close()
}
