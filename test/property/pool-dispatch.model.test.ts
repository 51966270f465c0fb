/**
 * Model-based test of the pool's dispatcher, as a state machine on a fake clock: random
 * pools (workers, concurrency, prefetch, cancelGrace) take random calls (durations,
 * synchronous or not, handlers that never end, timeouts, priorities, keys, idempotent
 * procedures), cancellations, crashes and the passing of time, on simulated workers
 * (`simulated-workers.ts`: the real pool and the real parent-side peer; only the processes
 * are simulated). After every step:
 * - no worker with room for a call idles while a call it may run waits in the queue;
 * - no handler starts after its call's deadline;
 * - every call whose deadline has passed has settled (and, once the pool is closed, all have);
 * - no handler runs more often than its call may (twice for an idempotent call's retry);
 * - `stats()` agrees with what happened: calls queued and in flight, restarts, refusals
 *   (only calls with a deadline are refused under overload, before they ran: a retry, before
 *   it ran again), and run times and waits.
 */
import fc from 'fast-check'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { PoolOverloadedError } from '../../packages/core/src/errors/pool-errors.js'
import { ownerOf } from '../../packages/core/src/pool/key-owner.js'
import { assemblePool, type PoolParts } from '../../packages/core/src/pool/create-pool.js'
import type { PoolOptions } from '../../packages/core/src/pool/pool-options.js'
import { simContract, SimulatedWorkers, type Job } from './simulated-workers.js'

type SimPool = PoolParts<typeof simContract>

/** One call of the run and what became of it. */
interface MadeCall {
  readonly job: Job
  readonly madeAt: number
  readonly idempotent: boolean
  readonly deadline: number | undefined
  readonly controller: AbortController | undefined
  settled: boolean
  outcome: unknown
}

/** The system under test and what the model saw happen to it. */
interface Real {
  readonly parts: SimPool
  readonly options: PoolOptions
  readonly sim: SimulatedWorkers
  readonly calls: MadeCall[]
  /** Workers crashed by the test while they served (each is a restart). */
  crashes: number
}

/** The model: only what the commands need to know (all the checks look at the real system). */
interface Model {
  calls: number
}

interface CallSpec {
  readonly ms: number
  readonly sync: boolean
  readonly timeout: number | undefined
  readonly idempotent: boolean
  readonly priority: number
  readonly key: string | undefined
  readonly cancellable: boolean
}

class CallCommand implements fc.AsyncCommand<Model, Real> {
  constructor(readonly spec: CallSpec) {}
  check(): boolean {
    return true
  }
  async run(model: Model, real: Real): Promise<void> {
    const { spec } = this
    const job: Job = { id: ++model.calls, ms: spec.ms, sync: spec.sync }
    const controller = spec.cancellable ? new AbortController() : undefined
    const call: MadeCall = { job, madeAt: Date.now(), idempotent: spec.idempotent, deadline: spec.timeout === undefined ? undefined : Date.now() + spec.timeout, controller, settled: false, outcome: undefined }
    real.calls.push(call)
    const options = { timeout: spec.timeout, signal: controller?.signal, priority: spec.priority, key: spec.key }
    const { call: client } = real.parts.pool
    const promise = spec.idempotent ? client.workIdempotent(job, options) : client.work(job, options)
    promise.then(
      (value) => Object.assign(call, { settled: true, outcome: value }),
      (error: unknown) => Object.assign(call, { settled: true, outcome: error }),
    )
    await settle(real)
  }
  toString(): string {
    return `call(${JSON.stringify(this.spec)})`
  }
}

class AdvanceCommand implements fc.AsyncCommand<Model, Real> {
  constructor(readonly ms: number) {}
  check(): boolean {
    return true
  }
  async run(_model: Model, real: Real): Promise<void> {
    await vi.advanceTimersByTimeAsync(this.ms)
    await settle(real)
  }
  toString(): string {
    return `advance(${this.ms})`
  }
}

class CrashCommand implements fc.AsyncCommand<Model, Real> {
  constructor(readonly pick: number) {}
  check(): boolean {
    return true
  }
  async run(_model: Model, real: Real): Promise<void> {
    const live = real.sim.live
    const worker = live[this.pick % Math.max(live.length, 1)]
    if (worker === undefined) return
    const member = [...real.parts.members].find((candidate) => candidate.pid === worker.handle.pid)
    if (member?.state === 'ready') real.crashes += 1
    worker.end('crash', { exitCode: 1, signal: null })
    await settle(real)
  }
  toString(): string {
    return `crash(${this.pick})`
  }
}

class CancelCommand implements fc.AsyncCommand<Model, Real> {
  constructor(readonly pick: number) {}
  check(): boolean {
    return true
  }
  async run(_model: Model, real: Real): Promise<void> {
    const cancellable = real.calls.filter((call) => !call.settled && call.controller !== undefined)
    cancellable[this.pick % Math.max(cancellable.length, 1)]?.controller?.abort(new Error('cancelled by the test'))
    await settle(real)
  }
  toString(): string {
    return `cancel(${this.pick})`
  }
}

/** Lets everything due now happen (timers at this instant, the channel's deliveries, promise jobs). */
async function settle(real: Real): Promise<void> {
  for (let i = 0; i < 5; i++) await vi.advanceTimersByTimeAsync(0)
  checkInvariants(real)
}

function checkInvariants(real: Real): void {
  const { members, queue, pool } = real.parts
  const now = Date.now()
  // Work-conserving: no worker with room beside a queued call it may run.
  const serving = members.servingMembers()
  for (const member of members) {
    if (!members.hasRoom(member)) continue
    for (const task of queue) {
      const runnable = task.key === undefined || ownerOf(task.keyHash, serving) === member
      expect(runnable, `worker ${member.pid} (load ${member.load}, lingering ${member.lingering}) idles while call "${task.name}" (key ${task.key}) waits`).toBe(false)
    }
  }
  // No call is sent to a worker after its deadline, nor does a handler start after the
  // deadline its worker knows (a call that reached its worker late, behind a synchronous
  // handler, counts its time left from its arrival); none runs more often than its call may.
  const deadlines = new Map(real.calls.map((call) => [call.job.id, call.deadline]))
  for (const request of real.sim.requests) {
    const deadline = deadlines.get(request.id)
    if (deadline !== undefined) expect(request.at, `call ${request.id} was sent after its deadline`).toBeLessThan(deadline)
  }
  const runsOf = new Map<number, number>()
  for (const run of real.sim.runs) {
    if (run.deadline !== undefined) expect(run.startedAt, `call ${run.id} started after its deadline`).toBeLessThan(run.deadline)
    runsOf.set(run.id, (runsOf.get(run.id) ?? 0) + 1)
  }
  for (const call of real.calls) {
    expect(runsOf.get(call.job.id) ?? 0, `call ${call.job.id} ran too often`).toBeLessThanOrEqual(call.idempotent ? 2 : 1)
    // Every call settles by its deadline (a timer set at its deadline, for a call retried or
    // taken back just then, fires 1 ms later on the fake clock).
    if (call.deadline !== undefined && now > call.deadline) expect(call.settled, `call ${call.job.id} is still pending ${now - call.deadline} ms after its deadline`).toBe(true)
  }
  // The stats say what happened.
  const stats = pool.stats()
  const pending = real.calls.filter((call) => !call.settled).length
  expect(stats.queued + stats.inFlight, 'calls queued and in flight, against the calls pending').toBe(pending)
  const refused = real.calls.filter((call) => call.outcome instanceof PoolOverloadedError)
  expect(stats.shed, 'calls refused as overload, against the PoolOverloadedErrors seen').toBe(refused.length)
  // A retry (of an idempotent call whose worker died) may be refused too, but not run again.
  expect(refused.every((call) => call.deadline !== undefined && real.sim.runsOf(call.job.id) <= (call.idempotent ? 1 : 0)), 'only calls with a deadline are refused, before they ran').toBe(true)
  const kills = real.sim.workers.filter((worker) => worker.endedBy === 'kill').length
  expect(stats.restarts, 'restarts, against the workers that crashed or were killed as runaways').toBe(real.crashes + kills)
  // A run counts from its handler's start (not from its wait in a worker's line) to its end
  // or to when the pool gave up on it. (With concurrency 1 the pool knows exactly when a
  // worker is free; with more, a call sent to a worker blocked by a synchronous handler
  // waits in its pipe, where the pool cannot see it; and a call sent to a worker that
  // crashes before it arrives ran from its sending to the crash.)
  const procedure = Object.values(stats.procedures)
  if (real.options.concurrency === 1 && !real.sim.workers.some((worker) => worker.endedBy === 'crash') && procedure.length > 0) {
    const madeAt = new Map(real.calls.map((call) => [call.job.id, call.madeAt]))
    const longestRun = Math.max(0, ...real.sim.runs.map((run) => (run.endedAt ?? now) - run.startedAt))
    const longestWait = Math.max(0, ...real.sim.runs.map((run) => run.startedAt - (madeAt.get(run.id) ?? run.startedAt)))
    // Each message takes up to 1 ms on the fake clock (a timer set during a tick fires a ms later).
    const hops = 2
    for (const { runTime, queueWait } of procedure) {
      expect(runTime.max, 'the longest run time, against the longest a handler ran').toBeLessThanOrEqual(longestRun + hops)
      expect(queueWait.max, 'the longest wait, against the longest a handler waited to start').toBeLessThanOrEqual(longestWait + hops)
    }
  }
}

const callSpec: fc.Arbitrary<CallSpec> = fc.record({
  ms: fc.oneof({ weight: 6, arbitrary: fc.integer({ min: 0, max: 60 }) }, { weight: 2, arbitrary: fc.integer({ min: 100, max: 300 }) }, { weight: 1, arbitrary: fc.constant(-1) }),
  sync: fc.boolean(),
  timeout: fc.option(fc.integer({ min: 1, max: 400 }), { freq: 4, nil: undefined }),
  idempotent: fc.boolean(),
  priority: fc.constantFrom(0, 0, 0, 1, 5),
  key: fc.option(fc.constantFrom('a', 'b', 'c'), { freq: 2, nil: undefined }),
  cancellable: fc.boolean(),
})

const call = callSpec.map((spec) => new CallCommand(spec))
const advance = fc.integer({ min: 1, max: 150 }).map((ms) => new AdvanceCommand(ms))
// Weighted by repetition: calls and time most, faults less.
const commands = fc.commands(
  [call, call, call, advance, advance, fc.nat().map((pick) => new CrashCommand(pick)), fc.nat().map((pick) => new CancelCommand(pick))],
  { maxCommands: 50, size: 'max' },
)

const poolOptions: fc.Arbitrary<PoolOptions> = fc
  .record({
    max: fc.integer({ min: 1, max: 3 }),
    min: fc.integer({ min: 0, max: 3 }),
    concurrency: fc.integer({ min: 1, max: 2 }),
    prefetch: fc.constantFrom(0, 0, 1, 3),
    cancelGrace: fc.option(fc.constantFrom(20, 100), { freq: 2, nil: undefined }),
  })
  .map(({ min, max, cancelGrace, ...rest }) => ({ ...rest, min: Math.min(min, max), max, idleTimeout: 0, backoff: 10, maxRestarts: 1_000, ...(cancelGrace === undefined ? {} : { cancelGrace }) }))

const coverage = new Map<string, number>()

/** What a run exercised (POOL_MODEL_COVERAGE=1 prints the totals): withdrawals, retries, kills, outcomes. */
function tally(real: Real): void {
  const add = (key: string, count = 1): void => void coverage.set(key, (coverage.get(key) ?? 0) + count)
  for (const [kind, count] of real.sim.sentKinds) add(`sent ${kind}`, count)
  for (const call of real.calls) add(`outcome ${call.outcome instanceof Error ? call.outcome.name : 'value'}`)
  for (const worker of real.sim.workers) add(`worker ended by ${worker.endedBy ?? 'nothing'}`)
  add('runs', real.sim.runs.length)
}

describe('the pool dispatcher (model-based, on a fake clock)', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'setImmediate', 'clearImmediate', 'Date', 'performance'] })
  })
  afterEach(() => {
    vi.useRealTimers()
  })

  it('keeps every worker busy while calls it may run wait, starts no call late, and settles every call', async () => {
    await fc.assert(
      fc.asyncProperty(poolOptions, commands, async (options, cmds) => {
        const sim = new SimulatedWorkers(15)
        const parts = assemblePool(simContract, 'simulated.worker.js', options, sim.starter)
        const real: Real = { parts, options, sim, calls: [], crashes: 0 }
        try {
          await fc.asyncModelRun(() => ({ model: { calls: 0 }, real }), cmds)
        } finally {
          const closed = parts.pool.close({ grace: 0, killTimeout: 20 })
          let done = false
          void closed.then(() => (done = true))
          for (let i = 0; i < 100 && !done; i++) await vi.advanceTimersByTimeAsync(50)
          expect(done, 'the pool closed').toBe(true)
        }
        await vi.advanceTimersByTimeAsync(0)
        expect(real.calls.filter((call) => !call.settled).map((call) => call.job.id), 'calls never settled').toEqual([])
        if (process.env.POOL_MODEL_COVERAGE === '1') tally(real)
      }),
      { numRuns: 100 },
    )
    if (process.env.POOL_MODEL_COVERAGE === '1') console.log(Object.fromEntries([...coverage].sort()))
  }, 60_000) // ~2 s of CPU; a loaded machine, or a counterexample shrinking, takes longer
})
