/**
 * What the pool does under overload with calls that have a deadline (`overload: 'shed'`,
 * the default): it runs what can still finish in time and refuses the rest at once, with
 * PoolOverloadedError, so that a server answers 503 at once instead of 504 after the whole
 * timeout, and its workers spend no time on calls whose answers would come too late.
 * - At admission, a call that would have to wait is refused when the work ahead of it (the
 *   queued calls of its priority and above, and what is left of the calls on the workers:
 *   of those that run, their estimated run less the time they have run; of those in a
 *   worker's line, all of it; each at its procedure's estimated run time:
 *   `run-estimates.ts`), spread over the workers' slots, and its own run, would fill more
 *   than `ADMIT_WITHIN` (80%) of its time left.
 * - When its turn comes, a queued call is refused rather than started when its run (and its
 *   wait for a slot on that worker, with `prefetch`) would fill more than `START_WITHIN`
 *   (90%) of its time left.
 * Calls without a deadline, streams, and procedures not yet estimated are never refused.
 * With `overload: 'queue'`, every call waits its turn until its deadline.
 */
import { poolOverloaded, type PoolOverloadedError } from '../errors/pool-errors.js'
import type { MemberSet } from './member-set.js'
import type { PoolMember } from './pool-member.js'
import type { PoolTask } from './pool-task.js'
import type { RunEstimates } from './run-estimates.js'
import type { TaskQueue } from './task-queue.js'

/**
 * The share of a call's time left that its expected wait and run may fill at admission: the
 * rest is headroom for what estimates miss (a run slower than usual, a pause of the machine),
 * so that the calls admitted finish in time rather than just after it. It costs no work
 * under overload (a call refused leaves its place to the next), only a shorter queue.
 */
export const ADMIT_WITHIN = 0.8

/** The same share when a queued call's turn comes: more lenient, so that a call admitted is rarely refused later. */
export const START_WITHIN = 0.9

/**
 * What a pool does under overload with calls that have a deadline: `'shed'` refuses those
 * that cannot finish in time with PoolOverloadedError; `'queue'` lets them wait until their
 * deadline.
 *
 * @example
 * ```ts
 * const overload: OverloadMode = 'queue' // batch work: every call waits its turn
 * ```
 */
export type OverloadMode = 'shed' | 'queue'

export class OverloadPolicy {
  readonly #shedding: boolean
  readonly #estimates: RunEstimates
  readonly #members: MemberSet
  readonly #queue: TaskQueue<PoolMember>
  shed = 0

  constructor(mode: OverloadMode, estimates: RunEstimates, members: MemberSet, queue: TaskQueue<PoolMember>) {
    this.#shedding = mode === 'shed'
    this.#estimates = estimates
    this.#members = members
    this.#queue = queue
  }

  /** The estimated run time of `task`'s procedure (0 for a stream, or before it is known): the work it adds. */
  estimateOf(task: PoolTask): number {
    return task.declaration.kind === 'procedure' ? (this.#estimates.of(task.name) ?? 0) : 0
  }

  /** A run of `task` ended after its handler ran `ms` (to its end, or to the call's deadline): its procedure's estimate learns from it. */
  ran(task: PoolTask, ms: number): void {
    if (task.declaration.kind === 'procedure') this.#estimates.ran(task.name, ms)
  }

  /** A call about to wait in the queue: the error to refuse it with if it cannot finish in time. */
  refusal(task: PoolTask, now = Date.now()): PoolOverloadedError | undefined {
    const run = this.#runOf(task)
    if (run === undefined) return undefined
    let slots = 0
    let onWorkers = 0
    for (const member of this.#members) {
      if (!member.serving) continue
      slots += this.#members.concurrency
      onWorkers += this.#workLeft(member)
    }
    if (slots === 0) return undefined // no worker yet: nothing to estimate from
    const wait = (this.#queue.workAhead(task.priority) + onWorkers) / slots
    return this.#refuse(task, now, wait, run, ADMIT_WITHIN)
  }

  /** A queued call's turn came on `member`: the error to refuse it with if it can no longer finish in time. */
  tooLate(task: PoolTask, member: PoolMember, now = Date.now()): PoolOverloadedError | undefined {
    const run = this.#runOf(task)
    if (run === undefined) return undefined
    const inLine = member.load >= this.#members.concurrency ? this.#workLeft(member) / this.#members.concurrency : 0
    return this.#refuse(task, now, inLine, run, START_WITHIN)
  }

  /** Its estimated run, when it may be refused at all: a procedure's call with a deadline, once the procedure is known. */
  #runOf(task: PoolTask): number | undefined {
    if (!this.#shedding || task.deadline === undefined || task.declaration.kind !== 'procedure') return undefined
    return this.#estimates.of(task.name)
  }

  /** Refuses `task` if its expected `wait` and `run` fill more than the share `within` of its time left. */
  #refuse(task: PoolTask, now: number, wait: number, run: number, within: number): PoolOverloadedError | undefined {
    const left = (task.deadline as number) - now
    if (wait + run <= left * within) return undefined
    this.shed += 1
    return poolOverloaded(task.name, left, wait, run)
  }

  /** The work left of the calls sent to `member`: what is left of the estimated runs of those that run, all of those that wait in its line. */
  #workLeft(member: PoolMember, now = performance.now()): number {
    let left = 0
    for (const task of member.sent) {
      const since = task.runningSince
      left += since === undefined ? task.estimate : Math.max(0, task.estimate - (now - since))
    }
    return left
  }
}
