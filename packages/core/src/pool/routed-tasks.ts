/**
 * Where waiting calls wait, by whom they may run on: calls without a key in one queue, which
 * any worker takes; keyed calls in a queue per owner, the worker their key hashes to
 * (`key-owner.ts`) among those that take calls. When those workers change, the keyed calls
 * are sorted anew to their new owners (keeping their order), so that a key whose worker went
 * away moves, a retried call included. Keyed calls wait for their own worker.
 */
import { ownerOf, type KeyHolder } from './key-owner.js'
import type { PoolTask } from './pool-task.js'
import { goesBefore, PriorityTasks } from './priority-tasks.js'

/** What routing asks of the workers. */
export interface Placement<M> {
  /** Whether `member` takes one more call now. */
  hasRoom(member: M): boolean
  /** The worker with room that runs the fewest calls, if any. */
  leastBusy(): M | undefined
}

/** The waiting calls and their routes. */
export class RoutedTasks<M extends KeyHolder> {
  readonly #unkeyed = new PriorityTasks()
  /** Keyed calls by owner; `undefined`: no worker takes calls yet. */
  #keyed = new Map<M | undefined, PriorityTasks>()
  #owners: readonly M[] = []

  push(task: PoolTask): void {
    this.#tasksOf(task).push(task)
  }

  /** At the head of its priority (a retry). */
  pushFront(task: PoolTask): void {
    this.#tasksOf(task).pushFront(task)
  }

  /** The owner of `task`'s key among the workers given to the last `route()`. */
  ownerOf(task: PoolTask): M | undefined {
    return ownerOf(task.keyHash, this.#owners)
  }

  /** The workers that take calls are `serving`: if they changed, keyed calls move to their new owners. */
  route(serving: readonly M[]): void {
    if (serving.length === this.#owners.length && serving.every((member, i) => member === this.#owners[i])) return
    this.#owners = serving
    if (this.#keyed.size === 0) return
    const keyed = [...this.#keyed.values()].flatMap((tasks) => tasks.drain())
    keyed.sort((a, b) => (goesBefore(a, b) ? -1 : goesBefore(b, a) ? 1 : 0))
    this.#keyed = new Map()
    for (const task of keyed) this.push(task)
  }

  /** Takes the call that goes first among those a worker has room for, with that worker. */
  next(workers: Placement<M>): { task: PoolTask; member: M } | undefined {
    let task = this.#unkeyed.peek()
    let member = task === undefined ? undefined : workers.leastBusy()
    if (member === undefined) task = undefined
    for (const [owner, tasks] of this.#keyed) {
      if (owner === undefined || !workers.hasRoom(owner)) continue
      const candidate = tasks.peek()
      if (candidate !== undefined && (task === undefined || goesBefore(candidate, task))) {
        task = candidate
        member = owner
      }
    }
    if (task === undefined || member === undefined) return undefined
    ;(task.key === undefined ? this.#unkeyed : (this.#keyed.get(member) as PriorityTasks)).shift()
    return { task, member }
  }

  /** The waiting calls: those without a key, then each owner's (left in place). */
  *[Symbol.iterator](): Iterator<PoolTask> {
    yield* this.#unkeyed
    for (const tasks of this.#keyed.values()) yield* tasks
  }

  /** Takes the call that goes first, wherever it may run (for failing them all). */
  shift(): PoolTask | undefined {
    let first: PriorityTasks | undefined
    for (const tasks of [this.#unkeyed, ...this.#keyed.values()]) {
      const head = tasks.peek()
      const best = first?.peek()
      if (head !== undefined && (best === undefined || goesBefore(head, best))) first = tasks
    }
    return first?.shift()
  }

  #tasksOf(task: PoolTask): PriorityTasks {
    if (task.key === undefined) return this.#unkeyed
    const owner = ownerOf(task.keyHash, this.#owners)
    let tasks = this.#keyed.get(owner)
    if (tasks === undefined) this.#keyed.set(owner, (tasks = new PriorityTasks()))
    return tasks
  }
}
