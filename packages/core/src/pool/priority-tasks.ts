/**
 * Waiting calls in priority order: a FIFO per priority (`task-fifo.ts`), the highest
 * priority first. Priorities are any finite numbers; only those with calls waiting have a
 * FIFO, kept in a short sorted list (a pool sees a handful of distinct priorities).
 */
import type { PoolTask } from './pool-task.js'
import { TaskFifo } from './task-fifo.js'

/**
 * Whether task `a` goes before task `b`: higher priority, then lower `seq` (the order they
 * were queued in; a retry's is lower than any).
 */
export function goesBefore(a: PoolTask, b: PoolTask): boolean {
  return a.priority > b.priority || (a.priority === b.priority && a.seq < b.seq)
}

export class PriorityTasks {
  readonly #fifos = new Map<number, TaskFifo>()
  /** The priorities that have a FIFO, highest first. */
  readonly #priorities: number[] = []

  push(task: PoolTask): void {
    this.#fifoOf(task.priority).push(task)
  }

  /** At the head of its priority (a retry). */
  pushFront(task: PoolTask): void {
    this.#fifoOf(task.priority).pushFront(task)
  }

  /** The task that goes first, left in place. */
  peek(): PoolTask | undefined {
    // Hot path: without priorities there is one FIFO, and this is one look-up.
    while (this.#priorities.length > 0) {
      const priority = this.#priorities[0] as number
      const task = (this.#fifos.get(priority) as TaskFifo).peek()
      if (task !== undefined) return task
      this.#fifos.delete(priority)
      this.#priorities.shift()
    }
    return undefined
  }

  shift(): PoolTask | undefined {
    const task = this.peek()
    return task === undefined ? undefined : (this.#fifos.get(task.priority) as TaskFifo).shift()
  }

  /** The tasks still queued, in order (left in place). */
  *[Symbol.iterator](): Iterator<PoolTask> {
    for (const priority of this.#priorities) yield* this.#fifos.get(priority) as TaskFifo
  }

  /** Takes every task still queued, in order, and empties this. */
  drain(): PoolTask[] {
    const tasks = this.#priorities.flatMap((priority) => (this.#fifos.get(priority) as TaskFifo).drain())
    this.#fifos.clear()
    this.#priorities.length = 0
    return tasks
  }

  #fifoOf(priority: number): TaskFifo {
    let fifo = this.#fifos.get(priority)
    if (fifo === undefined) {
      fifo = new TaskFifo()
      this.#fifos.set(priority, fifo)
      let at = 0
      while (at < this.#priorities.length && (this.#priorities[at] as number) > priority) at++
      this.#priorities.splice(at, 0, priority)
    }
    return fifo
  }
}
