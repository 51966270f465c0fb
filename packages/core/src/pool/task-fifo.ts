/**
 * The calls of one priority waiting in one queue, first in, first out. A call that leaves
 * the queue on its own (timed out, aborted) is not spliced out: its slot is skipped when the
 * head reaches it, so that every operation is O(1), amortized.
 */
import type { PoolTask } from './pool-task.js'

/** Beyond this many spent slots at the head, and half of the array, the array is compacted. */
const COMPACT_AFTER = 1024

export class TaskFifo {
  #tasks: Array<PoolTask | undefined> = []
  #head = 0

  push(task: PoolTask): void {
    this.#tasks.push(task)
  }

  /** Adds a task at the head (a retry). */
  pushFront(task: PoolTask): void {
    if (this.#head > 0) this.#tasks[--this.#head] = task
    else this.#tasks.unshift(task)
  }

  /** The oldest task still queued, left in place; spent slots before it are dropped. */
  peek(): PoolTask | undefined {
    // Hot path: every queued call passes here. Spent slots are skipped, not spliced.
    while (this.#head < this.#tasks.length) {
      const task = this.#tasks[this.#head]
      if (task !== undefined && task.state === 'queued') return task
      this.#tasks[this.#head++] = undefined
      this.#compact()
    }
    return undefined
  }

  /** Takes the oldest task still queued. */
  shift(): PoolTask | undefined {
    const task = this.peek()
    if (task === undefined) return undefined
    this.#tasks[this.#head++] = undefined
    this.#compact()
    return task
  }

  /** The tasks still queued, oldest first (left in place). */
  *[Symbol.iterator](): Iterator<PoolTask> {
    for (let i = this.#head; i < this.#tasks.length; i++) {
      const task = this.#tasks[i]
      if (task !== undefined && task.state === 'queued') yield task
    }
  }

  /** Takes every task still queued, oldest first, and empties the FIFO. */
  drain(): PoolTask[] {
    const live = this.#tasks.filter((task, i): task is PoolTask => i >= this.#head && task !== undefined && task.state === 'queued')
    this.#tasks = []
    this.#head = 0
    return live
  }

  #compact(): void {
    if (this.#head > COMPACT_AFTER && this.#head * 2 > this.#tasks.length) {
      this.#tasks.splice(0, this.#head)
      this.#head = 0
    }
  }
}
