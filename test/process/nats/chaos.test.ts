/**
 * Chaos: two serving instances, 10,000 calls (half of an idempotent procedure, half not),
 * 200 in flight at a time, and one instance SIGKILLed mid-run, with calls of both kinds in
 * flight on it: after 1,500 executions it holds the calls it takes, and it is killed as soon
 * as it holds one of each kind (killed at an arbitrary moment instead, it may have answered
 * everything it was sent when a loaded caller is the bottleneck: then nothing is retried). Every call either succeeds or
 * rejects with a typed error; none hangs; idempotent calls whose instance died are retried
 * on the other one (and all succeed); no call runs twice unless it is idempotent, counted
 * by the executions the instances report per call.
 */
import { expect, it } from 'vitest'
import { WorkerExitedError } from '@forkrpc/core'
import { InstanceLostError } from '@forkrpc/nats'
import { remote } from '../../fixtures/remote.contract.js'
import { connectCaller, freshSubject, natsServer, startInstance } from '../../nats-helpers.js'

const CALLS = 10_000
const IN_FLIGHT = 200
/** Instance 0 holds the calls it takes after this many executions; it is killed once it holds both kinds. */
const HOLD_AFTER = 1_500

it('10,000 calls over two instances, one SIGKILLed mid-run: typed outcomes, retries, nothing runs twice unless idempotent', async () => {
  const { url } = await natsServer()
  const subject = freshSubject('chaos')
  const instances = await Promise.all([startInstance('remote', url, subject, { holdAfter: HOLD_AFTER }), startInstance('remote', url, subject)])
  const worker = await connectCaller(remote, url, subject, { heartbeatTimeout: 1_000 })
  const outcomes: Array<'ok' | 'lost' | 'other'> = new Array(CALLS)
  let settled = 0
  let next = 0
  let killedAt = -1
  const started = Date.now()
  const held = new Set<string>()
  instances[0]?.child.on('message', (message: { ran?: [string, number]; held?: boolean }) => {
    if (message.held !== true || message.ran === undefined || killedAt !== -1) return
    held.add(message.ran[0])
    if (held.size < 2) return
    killedAt = settled
    instances[0]?.child.kill('SIGKILL')
  })

  async function lane(): Promise<void> {
    while (next < CALLS) {
      const n = next++
      const kind = n % 2 === 0 ? 'once' : 'again'
      try {
        const result = await worker.call[kind](n)
        outcomes[n] = result === n * 2 ? 'ok' : 'other'
      } catch (error) {
        outcomes[n] = error instanceof InstanceLostError ? 'lost' : 'other'
        if (!(error instanceof WorkerExitedError)) console.error('untyped failure', error)
      }
      settled++
    }
  }
  await Promise.all(Array.from({ length: IN_FLIGHT }, lane))
  const elapsed = Date.now() - started
  await Promise.all(instances.map((instance) => instance.synced()))

  const executions = new Map<string, number>()
  for (const instance of instances) {
    for (const message of instance.messages) {
      const ran = (message as { ran?: [string, number] }).ran
      if (ran !== undefined) executions.set(`${ran[0]}:${ran[1]}`, (executions.get(`${ran[0]}:${ran[1]}`) ?? 0) + 1)
    }
  }
  const count = (kind: string, outcome: string) => outcomes.filter((o, n) => (n % 2 === 0 ? 'once' : 'again') === kind && o === outcome).length
  const ranTwice = { once: 0, again: 0 }
  for (const [key, times] of executions) if (times > 1) ranTwice[key.startsWith('once') ? 'once' : 'again']++
  console.log(
    `chaos: ${CALLS} calls in ${elapsed} ms, instance killed after ${killedAt} settled, holding calls of both kinds; ` +
      `once: ${count('once', 'ok')} ok, ${count('once', 'lost')} InstanceLostError; again: ${count('again', 'ok')} ok, ${count('again', 'lost')} lost; ` +
      `${worker.retries} retries; ran twice: ${ranTwice.once} once, ${ranTwice.again} again`,
  )

  expect(killedAt).toBeGreaterThan(0)
  expect(outcomes.filter((o) => o !== undefined)).toHaveLength(CALLS) // none hangs: every call settled
  expect(outcomes.filter((o) => o === 'other')).toHaveLength(0) // every failure is typed
  expect(count('again', 'ok')).toBe(CALLS / 2) // every idempotent call succeeded, retried where needed
  expect(count('once', 'ok') + count('once', 'lost')).toBe(CALLS / 2)
  expect(count('once', 'lost')).toBeGreaterThan(0) // the calls held on the killed instance failed, typed
  expect(count('once', 'lost')).toBeLessThanOrEqual(IN_FLIGHT) // only calls in flight at the kill
  expect(worker.retries).toBeGreaterThan(0)
  expect(worker.retries).toBeLessThanOrEqual(IN_FLIGHT)
  expect(ranTwice.once).toBe(0) // a non-idempotent call never runs twice
  // Every successful call ran at least once, on one of the instances.
  for (let n = 0; n < CALLS; n++) if (outcomes[n] === 'ok') expect(executions.get(`${n % 2 === 0 ? 'once' : 'again'}:${n}`) ?? 0).toBeGreaterThan(0)
  // The survivor took the rest.
  expect(instances[1]?.child.exitCode).toBe(null)
}, 60_000)
