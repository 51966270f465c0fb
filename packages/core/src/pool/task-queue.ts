/**
 * The pool's queue of calls waiting for a worker: first in, first out (a retried call goes
 * first), bounded by `maxQueue`. A queued call that times out or whose signal aborts leaves
 * the queue at once, failed; its slot in the array is skipped when the head reaches it.
 * Once closed, the queue fails what it holds and takes nothing more.
 */
import type { PoolTask } from './pool-task.js'

/** Beyond this many spent slots at the head, and half of the array, the array is compacted. */
const COMPACT_AFTER = 1024

/**
 * The queue.
 *
 * @example
 * ```ts
 * const queue = new TaskQueue(100, () => wakeIfIdle())
 * if (queue.admits(coming)) queue.push(task)
 * const next = queue.shift()
 * ```
 */
export class TaskQueue {
  /** Calls that may wait beyond what coming workers will take. */
  readonly maxQueue: number
  readonly #dropped: () => void
  #tasks: Array<PoolTask | undefined> = []
  #head = 0
  #size = 0
  #closedWith: ((task: PoolTask) => Error) | undefined

  /** `dropped` hears of each task that left the queue failed (timed out, aborted, closed). */
  constructor(maxQueue: number, dropped: () => void = () => undefined) {
    this.maxQueue = maxQueue
    this.#dropped = dropped
  }

  /** Calls waiting. */
  get size(): number {
    return this.#size
  }

  get open(): boolean {
    return this.#closedWith === undefined
  }

  /** Whether one more call may wait, when workers starting (or yet to start) will take `coming` calls. */
  admits(coming: number): boolean {
    return this.#size < this.maxQueue + coming
  }

  /** Adds a queued task at the end (a closed queue fails it at once). */
  push(task: PoolTask): void {
    if (this.#admit(task)) this.#tasks.push(task)
  }

  /** Adds a queued task at the head: a retry goes before the calls that came after it. */
  pushFront(task: PoolTask): void {
    if (!this.#admit(task)) return
    if (this.#head > 0) this.#tasks[--this.#head] = task
    else this.#tasks.unshift(task)
  }

  /** Takes the task that waited longest, if any. */
  shift(): PoolTask | undefined {
    // Hot path: every queued call passes here once. Spent slots are skipped, not spliced.
    while (this.#head < this.#tasks.length) {
      const task = this.#tasks[this.#head]
      this.#tasks[this.#head++] = undefined
      if (this.#head > COMPACT_AFTER && this.#head * 2 > this.#tasks.length) {
        this.#tasks.splice(0, this.#head)
        this.#head = 0
      }
      if (task !== undefined && this.#holds(task)) {
        this.#leave(task)
        return task
      }
    }
    return undefined
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
    task.watch((reason) => this.#drop(task, reason))
    return true
  }

  /** A queued task timed out or was aborted. */
  #drop(task: PoolTask, reason: unknown): void {
    if (!this.#holds(task)) return
    this.#leave(task)
    task.fail(reason)
    this.#dropped()
  }

  #holds(task: PoolTask): boolean {
    return task.state === 'queued'
  }

  #leave(task: PoolTask): void {
    this.#size -= 1
    task.unwatch()
  }
}
