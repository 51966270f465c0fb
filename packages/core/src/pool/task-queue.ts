/**
 * The pool's queue of calls waiting for a worker, bounded by `maxQueue`: higher priority
 * first, first in, first out within a priority (a retried call goes first), and keyed calls
 * only to their key's worker (`routed-tasks.ts`). A queued call that times out or whose
 * signal aborts leaves the queue at once, failed. Once closed, the queue fails what it
 * holds and takes nothing more.
 */
import type { KeyHolder } from './key-owner.js'
import type { PoolTask } from './pool-task.js'
import { RoutedTasks, type Placement } from './routed-tasks.js'

export class TaskQueue<M extends KeyHolder = KeyHolder> {
  /** Calls that may wait beyond what coming workers will take. */
  readonly maxQueue: number
  readonly #dropped: () => void
  readonly #tasks = new RoutedTasks<M>()
  #size = 0
  /** The order of queued calls: a push counts up, a push to the front counts down. */
  #last = 0
  #first = 0
  #closedWith: ((task: PoolTask) => Error) | undefined
  /** The estimated run times of the waiting calls, by priority (ms): the work queued. */
  readonly #work = new Map<number, number>()

  /** `dropped` hears of each task that left the queue failed (timed out, aborted, closed). */
  constructor(maxQueue: number, dropped: () => void = () => undefined) {
    this.maxQueue = maxQueue
    this.#dropped = dropped
  }

  get size(): number {
    return this.#size
  }

  get open(): boolean {
    return this.#closedWith === undefined
  }

  /** The estimated work of the waiting calls of `priority` and above (ms): what runs before a call of that priority. */
  workAhead(priority: number): number {
    let work = 0
    for (const [queued, ms] of this.#work) if (queued >= priority) work += ms
    return work
  }

  /** Whether one more call may wait, when workers starting (or yet to start) will take `coming` calls. */
  admits(coming: number): boolean {
    return this.#size < this.maxQueue + coming
  }

  /** Adds a queued task after those of its priority (a closed queue fails it at once). */
  push(task: PoolTask): void {
    if (!this.#admit(task)) return
    task.seq = ++this.#last
    this.#tasks.push(task)
  }

  /** Adds a queued task before those of its priority: a retry goes before the calls that came after it. */
  pushFront(task: PoolTask): void {
    if (!this.#admit(task)) return
    task.seq = --this.#first
    this.#tasks.pushFront(task)
  }

  /** The workers that take calls now: keyed calls go to their keys' owners among them. */
  route(serving: readonly M[]): void {
    this.#tasks.route(serving)
  }

  /** The worker that `task`'s key belongs to now (see `route`). */
  ownerOf(task: PoolTask): M | undefined {
    return this.#tasks.ownerOf(task)
  }

  /** Takes the task that goes first among those a worker has room for, with that worker. */
  next(workers: Placement<M>): { task: PoolTask; member: M } | undefined {
    const next = this.#tasks.next(workers)
    if (next !== undefined) this.#leave(next.task)
    return next
  }

  /** The waiting tasks, left in place (for a check: not in priority order across keys). */
  [Symbol.iterator](): Iterator<PoolTask> {
    return this.#tasks[Symbol.iterator]()
  }

  /** Takes the task that goes first, whichever worker it may run on. */
  shift(): PoolTask | undefined {
    const task = this.#tasks.shift()
    if (task !== undefined) this.#leave(task)
    return task
  }

  /** Fails every waiting task with `reason(task)`. */
  failAll(reason: (task: PoolTask) => Error): void {
    const failed = this.#size > 0
    for (let task = this.shift(); task !== undefined; task = this.shift()) task.refuse(reason(task))
    if (failed) this.#dropped()
  }

  /** Fails every waiting task, and any pushed later, with `reason(task)`. */
  close(reason: (task: PoolTask) => Error): void {
    this.#closedWith ??= reason
    this.failAll(reason)
  }

  #admit(task: PoolTask): boolean {
    if (this.#closedWith !== undefined) {
      task.refuse(this.#closedWith(task))
      return false
    }
    this.#size += 1
    if (task.estimate > 0) this.#work.set(task.priority, (this.#work.get(task.priority) ?? 0) + task.estimate)
    task.watch((reason) => this.#drop(task, reason))
    return true
  }

  /** A queued task timed out or was aborted: its slot is skipped later. */
  #drop(task: PoolTask, reason: unknown): void {
    if (task.state !== 'queued') return
    this.#leave(task)
    task.fail(reason)
    this.#dropped()
  }

  #leave(task: PoolTask): void {
    this.#size -= 1
    if (this.#size === 0) this.#work.clear() // no rounding left behind
    else if (task.estimate > 0) {
      const left = (this.#work.get(task.priority) ?? 0) - task.estimate
      if (left > 1e-6) this.#work.set(task.priority, left)
      else this.#work.delete(task.priority)
    }
    task.unwatch()
  }
}
