/**
 * The dispatcher: puts each call on the least busy ready worker, or in the queue until one
 * has room (the pump); runs it there with the time left of its timeout and its own signal
 * and `onProgress`; retries an idempotent call once on another worker when its worker died;
 * and after a cancellation, watches the handler for `cancelGrace` (a runaway is killed).
 */
import { debug } from '../base/debug.js'
import { Drained } from '../base/drained.js'
import { queueFull } from '../errors/pool-errors.js'
import type { MemberSet } from './member-set.js'
import type { PoolMember } from './pool-member.js'
import type { PoolTask } from './pool-task.js'
import type { TaskQueue } from './task-queue.js'

/**
 * What the dispatcher asks of the rest of the pool.
 *
 * @example
 * ```ts
 * const hooks: DispatchHooks = { coming: () => supervisor.coming(), wantWorkers: () => supervisor.ensureWorkers(), afterCall: (member) => supervisor.afterCall(member), succeeded: () => guard.succeeded() }
 * ```
 */
export interface DispatchHooks {
  /** Calls that workers starting, or yet to start under `max`, will take. */
  coming(): number
  /** Start workers if the queue needs them (called after every pump). */
  wantWorkers(): void
  /** A call on `member` settled: recycle it, or arm its idle timer. */
  afterCall(member: PoolMember): void
  /** A call succeeded: the workers are healthy. */
  succeeded(): void
}

/**
 * The dispatcher.
 *
 * @example
 * ```ts
 * const dispatcher = new Dispatcher(queue, members, settings.cancelGrace, hooks)
 * dispatcher.submit(task)
 * ```
 */
export class Dispatcher {
  readonly #queue: TaskQueue
  readonly #members: MemberSet
  readonly #cancelGrace: number | undefined
  readonly #hooks: DispatchHooks
  readonly #drained = new Drained()

  constructor(queue: TaskQueue, members: MemberSet, cancelGrace: number | undefined, hooks: DispatchHooks) {
    this.#queue = queue
    this.#members = members
    this.#cancelGrace = cancelGrace
    this.#hooks = hooks
  }

  /** Runs a new task on the least busy worker, or queues it (QueueFullError beyond `maxQueue`). */
  submit(task: PoolTask): void {
    const member = this.#queue.size === 0 ? this.#members.leastBusy() : undefined
    if (member !== undefined) return this.#run(task, member)
    if (!this.#queue.admits(this.#hooks.coming())) return task.refuse(queueFull(task.name, this.#queue.maxQueue))
    task.keepContext()
    this.#queue.push(task)
    this.pump()
  }

  /** Moves queued tasks to workers with room, in order; then asks for workers if some still wait. */
  pump(): void {
    while (this.#queue.size > 0) {
      const member = this.#members.leastBusy()
      if (member === undefined) break
      const task = this.#queue.shift()
      if (task === undefined) break
      this.#run(task, member)
    }
    this.#hooks.wantWorkers()
  }

  /** Resolves once no task waits or runs. */
  drained(): Promise<void> {
    return this.#drained.wait(this.#idle())
  }

  /** Wakes `drained()` if no task waits or runs. */
  wakeIfIdle(): void {
    if (this.#idle()) this.#drained.wake()
  }

  #idle(): boolean {
    return this.#queue.size === 0 && this.#members.idle
  }

  #run(task: PoolTask, member: PoolMember): void {
    const options = task.start()
    if (options === undefined) return // its deadline passed while it waited: it has failed
    member.active += 1
    member.clearIdle()
    // In the caller's async context if the task waited in the queue (and so its callbacks too).
    task.inContext(() =>
      member.call(task.name, task.declaration, task.input, options).then(
        (value) => {
          this.#hooks.succeeded()
          task.resolve(value)
          this.#settled(member)
        },
        (error: unknown) => {
          this.#failed(task, member, error)
          this.#settled(member)
        },
      ),
    )
  }

  #failed(task: PoolTask, member: PoolMember, error: unknown): void {
    if (task.retriable(error) && this.#queue.open) {
      debug('pool: retrying idempotent call "%s" after its worker %d died', task.name, member.pid)
      task.requeue()
      task.keepContext() // here, the context of its run: its caller's
      this.#queue.pushFront(task)
      return
    }
    if (this.#cancelGrace !== undefined && task.cancelledBy(error)) member.watchRunaway(this.#cancelGrace)
    task.fail(error)
  }

  #settled(member: PoolMember): void {
    member.active -= 1
    member.done += 1
    this.#hooks.afterCall(member)
    this.wakeIfIdle()
    this.pump()
  }
}
