/**
 * The overload policy (`overload-policy.ts`) and the run estimates it uses, without workers:
 * who is refused at admission (the work ahead, spread over the workers' slots, and the call's
 * own run, against its time left), who is refused when its turn comes, and who never is
 * (no deadline, no estimate yet, `overload: 'queue'`).
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { PoolOverloadedError } from '../../../packages/core/src/errors/pool-errors.js'
import type { MemberSet } from '../../../packages/core/src/pool/member-set.js'
import { ADMIT_WITHIN, OverloadPolicy, START_WITHIN, type OverloadMode } from '../../../packages/core/src/pool/overload-policy.js'
import type { PoolMember } from '../../../packages/core/src/pool/pool-member.js'
import { ESTIMATE_AFTER, RunEstimates } from '../../../packages/core/src/pool/run-estimates.js'
import { TaskQueue } from '../../../packages/core/src/pool/task-queue.js'
import { makeTask } from './pool-test-tasks.js'

/**
 * A serving worker that was sent calls of 50 ms: `running` of them started `ranFor` ms ago,
 * `waiting` more wait for a slot.
 */
function worker(running: number, waiting = 0, ranFor = 25): PoolMember {
  const now = performance.now()
  const sent = [
    ...Array.from({ length: running }, () => ({ estimate: 50, runningSince: now - ranFor })),
    ...Array.from({ length: waiting }, () => ({ estimate: 50, runningSince: undefined })),
  ]
  return { serving: true, load: sent.length, sent: new Set(sent) } as unknown as PoolMember
}

function policyOf(workers: PoolMember[], { concurrency = 1, mode = 'shed' as OverloadMode, runs = [50, 50, 50] } = {}) {
  const estimates = new RunEstimates()
  for (const ms of runs) estimates.ran('hash', ms)
  const members = { concurrency, [Symbol.iterator]: () => workers[Symbol.iterator]() } as unknown as MemberSet
  const queue = new TaskQueue<PoolMember>(Infinity)
  return { policy: new OverloadPolicy(mode, estimates, members, queue), queue }
}

/** A queued call of `hash` with `timeout` ms, its work estimated as the policy does. */
function queued(policy: OverloadPolicy, queue: TaskQueue<PoolMember>, timeout: number, priority = 0) {
  const { task } = makeTask('hash', { timeout, priority })
  task.estimate = policy.estimateOf(task)
  queue.push(task)
  return task
}

describe('RunEstimates', () => {
  it(`knows a procedure once it ran ${ESTIMATE_AFTER} times, as a moving average that follows its recent runs`, () => {
    const estimates = new RunEstimates()
    for (let i = 1; i < ESTIMATE_AFTER; i++) estimates.ran('hash', 40)
    expect(estimates.of('hash')).toBeUndefined()
    estimates.ran('hash', 40)
    expect(estimates.of('hash')).toBe(40)
    for (let i = 0; i < 30; i++) estimates.ran('hash', 200) // it became slower
    expect(estimates.of('hash')).toBeGreaterThan(199)
    expect(estimates.of('other')).toBeUndefined()
  })
})

describe('the overload policy', () => {
  beforeEach(() => {
    vi.useFakeTimers()
  })
  afterEach(() => {
    vi.useRealTimers()
  })

  it(`refuses at admission a call whose wait behind the queued work, spread over the slots, and its own run fill more than ${ADMIT_WITHIN * 100}% of its time left`, () => {
    // Two workers, each running one call of 50 ms, 25 ms in: 25 ms left each.
    const { policy, queue } = policyOf([worker(1), worker(1)])
    for (let i = 0; i < 10; i++) queued(policy, queue, 60_000) // 500 ms of work queued
    // Wait: (500 + 25 + 25) / 2 slots = 275 ms, then 50 ms of its own: 325 ms, 80% of 406.25.
    const fits = makeTask('hash', { timeout: 407 }).task
    expect(policy.refusal(fits)).toBeUndefined()
    const late = makeTask('hash', { timeout: 406 }).task
    const error = policy.refusal(late)
    expect(error).toBeInstanceOf(PoolOverloadedError)
    expect(error).toMatchObject({ procedure: 'hash', timeLeft: 406, expectedWait: 275, expectedRun: 50, code: 'ERR_FORKRPC_POOL_OVERLOADED' })
    expect(error?.message).toBe('Call "hash" was refused: the pool is overloaded; it would wait ~275 ms and run ~50 ms, but has 406 ms left of its timeout')
    expect(policy.shed).toBe(1)
  })

  it('counts only the queued work of its priority and above ahead of a call', () => {
    const { policy, queue } = policyOf([worker(0)])
    for (let i = 0; i < 10; i++) queued(policy, queue, 60_000, 0) // 500 ms of low-priority work
    expect(policy.refusal(makeTask('hash', { timeout: 100 }).task)).toBeInstanceOf(PoolOverloadedError)
    expect(policy.refusal(makeTask('hash', { timeout: 100, priority: 1 }).task)).toBeUndefined()
  })

  it('counts the calls waiting for a worker’s slot in full (prefetch), and what is left of those running', () => {
    // One worker: one call running for 10 ms of its 50 ms, three waiting: 40 + 150 ms left.
    const { policy } = policyOf([worker(1, 3, 10)])
    expect(policy.refusal(makeTask('hash', { timeout: 301 }).task)).toBeUndefined()
    expect(policy.refusal(makeTask('hash', { timeout: 299 }).task)).toMatchObject({ expectedWait: 190 })
    // A call that ran longer than its estimate has nothing left to count.
    expect(policyOf([worker(1, 0, 80)]).policy.refusal(makeTask('hash', { timeout: 63 }).task)).toBeUndefined()
  })

  it(`refuses a queued call whose turn comes when its run (and its wait for that worker's slot) fill more than ${START_WITHIN * 100}% of its time left`, () => {
    const { policy, queue } = policyOf([worker(0)])
    const task = queued(policy, queue, 200)
    vi.advanceTimersByTime(151) // 49 ms left
    expect(policy.tooLate(task, worker(0))).toMatchObject({ timeLeft: 49, expectedWait: 0, expectedRun: 50 })
    const other = queued(policy, queue, 200)
    vi.advanceTimersByTime(100) // 100 ms left: enough on an idle worker, not behind a call running (25 ms left) and one waiting
    expect(policy.tooLate(other, worker(0))).toBeUndefined()
    expect(policy.tooLate(other, worker(1, 1))).toBeInstanceOf(PoolOverloadedError)
  })

  it('never refuses a call without a deadline, a procedure not yet estimated, or anything with overload: queue', () => {
    const busy = [worker(1, 200)]
    const { policy } = policyOf(busy)
    expect(policy.refusal(makeTask('hash').task)).toBeUndefined()
    expect(policy.refusal(makeTask('unknown', { timeout: 1 }).task)).toBeUndefined()
    const { policy: new_ } = policyOf(busy, { runs: [50] })
    expect(new_.refusal(makeTask('hash', { timeout: 1 }).task)).toBeUndefined()
    const { policy: queueing } = policyOf(busy, { mode: 'queue' })
    expect(queueing.refusal(makeTask('hash', { timeout: 1 }).task)).toBeUndefined()
    expect(queueing.tooLate(makeTask('hash', { timeout: 1 }).task, busy[0] as PoolMember)).toBeUndefined()
    expect(policy.shed + new_.shed + queueing.shed).toBe(0)
  })

  it('does not refuse at admission while no worker serves (nothing to estimate a wait from)', () => {
    const { policy } = policyOf([])
    expect(policy.refusal(makeTask('hash', { timeout: 1 }).task)).toBeUndefined()
  })

  it('keeps the queued work by priority as calls come and go', () => {
    const { policy, queue } = policyOf([worker(0)])
    const a = queued(policy, queue, 60_000, 0)
    queued(policy, queue, 60_000, 2)
    expect([queue.workAhead(0), queue.workAhead(1), queue.workAhead(2)]).toEqual([100, 50, 50])
    expect(queue.shift()?.priority).toBe(2)
    expect(queue.workAhead(0)).toBe(50)
    expect(queue.shift()).toBe(a)
    expect(queue.workAhead(0)).toBe(0)
  })
})
