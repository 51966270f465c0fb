/**
 * interceptors: middleware on both sides. The parent's call interceptors log each call with
 * its time (procedures, streams alike) and send who is calling as metadata; the worker's
 * handler interceptor reads that metadata (`ctx.metadata`) and refuses `wipe` to anyone but
 * an admin. Interceptors may be plain or `async` functions, for streams too.
 *
 * Run: pnpm exec tsx examples/interceptors/main.ts
 */
import assert from 'node:assert/strict'
import { fork, type CallInterceptor } from '@forkrpc/core'
import { notes } from './notes.contract.js'

console.log('== interceptors: logging, metadata and an auth check across the fork ==')

const log: string[] = []

/** Logs each call and how it ended; for a stream, when it was opened. */
const logged: CallInterceptor = async (call, next) => {
  const started = performance.now()
  try {
    const outcome = await next(call)
    log.push(`${call.procedure} (${call.kind}) ok in ${(performance.now() - started).toFixed(1)} ms`)
    return outcome
  } catch (error) {
    log.push(`${call.procedure} (${call.kind}) failed: ${(error as Error).message}`)
    throw error
  }
}

/** Says who is calling: the metadata travels with the request to the worker's ctx.metadata. */
const as = (user: string, role: string): CallInterceptor => (call, next) => next({ ...call, metadata: { ...call.metadata, user, role } })

const alice = await fork(notes, new URL('./notes.worker.js', import.meta.url), { interceptors: { call: [logged, as('alice', 'editor')] } })
try {
  await alice.call.add('buy milk')
  await alice.call.add('call Bob')
  const all: string[] = []
  for await (const note of alice.call.all()) all.push(note)
  console.log(`notes: ${JSON.stringify(all)}`)
  assert.deepEqual(all, ['buy milk', 'call Bob'])

  const refused = await alice.call.wipe().catch((error: unknown) => error as Error)
  console.log(`alice's wipe: ${refused instanceof Error ? refused.message : 'allowed?'}`)
  assert.ok(refused instanceof Error && /alice may not wipe/.test(refused.message))

  // Another worker, forked with an admin's metadata: its wipe is allowed.
  const root = await fork(notes, new URL('./notes.worker.js', import.meta.url), { interceptors: { call: [logged, as('root', 'admin')] } })
  try {
    await root.call.add('a note of root')
    console.log(`root's wipe removed ${await root.call.wipe()} note(s)`)
  } finally {
    await root.close()
  }
} finally {
  await alice.close()
}

console.log('the call log:')
for (const line of log) console.log(`  ${line}`)
assert.equal(log.filter((line) => line.startsWith('wipe (procedure) failed')).length, 1)
assert.ok(log.some((line) => line.startsWith('all (stream) ok')))
assert.ok(log.some((line) => line.startsWith('wipe (procedure) ok')))
