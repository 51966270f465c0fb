/**
 * nats-failover: one contract served over NATS by two instances (instance.ts, here two
 * child processes; in production, two machines), a caller sending a steady stream of calls,
 * and one instance SIGKILLed mid-run. NATS's queue group spreads the calls over both; once
 * one is gone, every call goes to the other. A call that was running on the killed instance
 * is found by missed heartbeats: a `price` (idempotent) is retried on the survivor and
 * succeeds, a `place` (not idempotent: it must never run twice) rejects with
 * InstanceLostError. No call hangs, every failure is typed.
 *
 * It needs nats-server (Debian: apt-get install nats-server); without it, it says so and
 * exits 77 ("skipped", as test harnesses count it), so the cookbook demo runs anywhere and
 * lists it as skipped.
 *
 * Run: pnpm exec tsx examples/nats-failover/main.ts
 */
import assert from 'node:assert/strict'
import { fork } from 'node:child_process'
import { connectNats, InstanceLostError } from '@forkrpc/nats'
import { connect } from '@nats-io/transport-node'
import { findNatsServer, startNatsServer } from './local-nats.js'
import { orders, OutOfStock } from './orders.contract.js'

console.log('== nats-failover: two instances behind one subject, one killed mid-run ==')
const binary = findNatsServer()
if (binary === undefined) {
  console.log('skipped: nats-server was not found on the PATH or in /usr/sbin (Debian: apt-get install nats-server)')
  process.exit(77)
}
const nats = await startNatsServer(binary)
console.log(`nats-server at ${nats.url}`)

function startInstance(name: string) {
  const child = fork(new URL('./instance.ts', import.meta.url), [name], { env: { ...process.env, NATS_URL: nats.url }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
  return new Promise<typeof child>((resolve, reject) => {
    child.once('message', () => resolve(child))
    child.once('exit', (code) => reject(new Error(`instance ${name} exited with ${code}`)))
  })
}

const [east, west] = await Promise.all([startInstance('east'), startInstance('west')])
const nc = await connect({ servers: nats.url })
try {
  // The one line that differs from a forked worker: connectNats instead of fork.
  const worker = await connectNats(orders, { connection: nc, subject: 'orders.v1', timeout: 5_000, heartbeatTimeout: 1_000 })
  const error = await worker.call.place({ sku: 'apple', qty: 1_000 }).catch((e: unknown) => e)
  assert.ok(error instanceof OutOfStock)
  console.log(`an error class comes back as itself: ${error.name}: ${error.message}`)

  const answeredBy = { before: new Map<string, number>(), after: new Map<string, number>() }
  const failures: string[] = []
  let killed = false
  const CALLS = 300
  let next = 0
  async function lane(): Promise<void> {
    while (next < CALLS) {
      const n = next++
      if (n === 100) {
        console.log('-- SIGKILL east, with calls running on it')
        east.kill('SIGKILL')
        killed = true
      }
      const sentAfterKill = killed
      try {
        const { by } = n % 2 === 0 ? await worker.call.price({ sku: `sku-${n}` }) : await worker.call.place({ sku: `sku-${n}`, qty: 1 })
        const tally = sentAfterKill ? answeredBy.after : answeredBy.before
        tally.set(by, (tally.get(by) ?? 0) + 1)
      } catch (e) {
        assert.ok(e instanceof InstanceLostError, `expected InstanceLostError, got ${String(e)}`)
        assert.ok(n % 2 === 1, 'price is idempotent: retried, never failed')
        failures.push(`place #${n}: InstanceLostError (${e.reason})`)
      }
    }
  }
  await Promise.all(Array.from({ length: 10 }, lane))
  const show = (tally: Map<string, number>) => [...tally].map(([by, count]) => `${by} ${count}`).join(', ')
  console.log(`answered before the kill: ${show(answeredBy.before)}`)
  console.log(`answered after the kill:  ${show(answeredBy.after)}`)
  console.log(`idempotent calls retried on west: ${worker.retries}; failed place calls (ran on east when it died, never retried): ${failures.length}`)
  for (const failure of failures) console.log(`  ${failure}`)
  assert.ok((answeredBy.before.get('east') ?? 0) > 0 && (answeredBy.before.get('west') ?? 0) > 0, 'both instances took calls')
  assert.equal(answeredBy.after.get('east') ?? 0, 0, 'no call sent after the kill went to east')
  assert.ok(failures.length <= 10, 'only calls in flight at the kill can fail')
  await worker.close()
} finally {
  await nc.close()
  const westGone = new Promise((resolve) => west.once('exit', resolve))
  west.kill('SIGTERM') // drains
  await westGone
  nats.process.kill()
}
console.log('every call succeeded or failed typed; none hung')
