/**
 * The dispatcher: puts each call on the least busy ready worker (a keyed call: on its key's
 * worker), or in the queue until one has room (the pump, which takes the highest priority
 * first); runs it there with the time left of its timeout and its own signal and
 * `onProgress`; retries an idempotent call once when its worker died or stopped answering;
 * with nothing queued, takes calls back from a worker's line for a worker with a free slot
 * (`call-reclaim.ts`); after a cancellation, watches the handler for `cancelGrace` (a
 * runaway is killed); and under overload refuses the calls that cannot finish before their
 * deadline, at admission or when their turn comes (`overload-policy.ts`).
 */
import { debug } from '../base/debug.js'
import { Drained } from '../base/drained.js'
import { TimeoutError } from '../errors/call-errors.js'
import { queueFull } from '../errors/pool-errors.js'
import { WorkerExitedError } from '../errors/worker-errors.js'
import { WithdrawnCall, type LinePlace } from '../rpc/line-place.js'
import { reclaimCalls } from './call-reclaim.js'
import type { MemberSet } from './member-set.js'
import type { OverloadPolicy } from './overload-policy.js'
import type { PoolMember } from './pool-member.js'
import type { PoolTask } from './pool-task.js'
import type { TaskQueue } from './task-queue.js'

/** What the dispatcher asks of the rest of the pool. */
export interface DispatchHooks {
  /** Calls that workers starting, or yet to start under `max`, will take. */
  coming(): number
  /** Start workers if the queue needs them (called after every pump). */
  wantWorkers(): void
  /** A call on `member` settled: recycle it, or arm its idle timer. */
  afterCall(member: PoolMember): void
  /** A call succeeded: the workers are healthy. */
  succeeded(): void
  /** A run of `procedure` ended, after `waited` ms in the queue and `ran` ms on a worker (for the stats). */
  ran(procedure: string, waited: number, ran: number): void
}

export interface DispatchParts {
  readonly queue: TaskQueue<PoolMember>
  readonly members: MemberSet
  /** Undefined: off. */
  readonly cancelGrace: number | undefined
  readonly policy: OverloadPolicy
}

/** How a run on a worker ended: see `Dispatcher.#failed`. */
type RunEnd = 'ran' | 'cut' | 'returned'

export class Dispatcher {
  readonly #queue: TaskQueue<PoolMember>
  readonly #members: MemberSet
  readonly #cancelGrace: number | undefined
  readonly #policy: OverloadPolicy
  readonly #hooks: DispatchHooks
  readonly #drained = new Drained()
  #later: NodeJS.Timeout | undefined
  /** A pump is on its way (`pumpSoon`). */
  #soon = false
  /** Pumping now; `#again`: something changed meanwhile, pump once more. */
  #pumping = false
  #again = false

  constructor(parts: DispatchParts, hooks: DispatchHooks) {
    this.#queue = parts.queue
    this.#members = parts.members
    this.#cancelGrace = parts.cancelGrace
    this.#policy = parts.policy
    this.#hooks = hooks
  }

  /**
   * Runs a new task on the least busy worker (a keyed one: on its key's worker, if it has
   * room), or queues it: QueueFullError beyond `maxQueue`, PoolOverloadedError if it cannot
   * finish before its deadline (`overload-policy.ts`).
   */
  submit(task: PoolTask): void {
    task.estimate = this.#policy.estimateOf(task)
    if (this.#queue.size === 0) {
      const member = task.key === undefined ? this.#members.leastBusy() : this.#ownerWithRoom(task)
      if (member !== undefined) return this.#run(task, member)
    }
    if (!this.#queue.admits(this.#hooks.coming())) return task.refuse(queueFull(task.name, this.#queue.maxQueue))
    const overloaded = this.#policy.refusal(task)
    if (overloaded !== undefined) return task.refuse(overloaded)
    task.keepContext()
    this.#queue.push(task)
    this.pump()
  }

  /**
   * Moves queued tasks to workers with room, highest priority first; then asks for workers if
   * some still wait. Called on every change that may let a queued call run: a call submitted,
   * a call settled, a worker's state or load changed (`pumpSoon`), a timer. Never nested: a
   * change during a pump makes the pump go round once more.
   */
  pump(): void {
    if (this.#pumping) {
      this.#again = true
      return
    }
    this.#pumping = true
    try {
      do {
        this.#again = false
        this.#pumpOnce()
      } while (this.#again)
    } finally {
      this.#pumping = false
    }
  }

  /** Pumps once the current job is done (once, however often asked): a member's state or load changed. */
  pumpSoon(): void {
    if (this.#soon) return
    this.#soon = true
    queueMicrotask(() => {
      this.#soon = false
      this.pump()
    })
  }

  #pumpOnce(): void {
    if (this.#queue.size > 0) this.#queue.route(this.#members.servingMembers())
    let shed = false
    while (this.#queue.size > 0) {
      const next = this.#queue.next(this.#members)
      if (next === undefined) break
      const late = this.#policy.tooLate(next.task, next.member)
      if (late === undefined) this.#run(next.task, next.member)
      else {
        next.task.refuse(late)
        shed = true
      }
    }
    if (shed) this.wakeIfIdle()
    // Only prefetch makes lines in workers; a call taken back comes back through #failed.
    if (this.#queue.size === 0 && this.#members.slots > this.#members.concurrency && this.#queue.open) {
      const later = reclaimCalls(this.#members)
      if (later !== undefined) this.#pumpLater(later)
    }
    this.#hooks.wantWorkers()
  }

  /** Pumps again in `ms` (once, however often asked): a line with waiting calls may be still by then. */
  #pumpLater(ms: number): void {
    if (this.#later !== undefined) return
    this.#later = setTimeout(() => {
      this.#later = undefined
      this.pump()
    }, Math.ceil(ms))
    this.#later.unref() // the calls in flight hold the process, not this
  }

  #ownerWithRoom(task: PoolTask): PoolMember | undefined {
    this.#queue.route(this.#members.servingMembers())
    const owner = this.#queue.ownerOf(task)
    return owner !== undefined && this.#members.hasRoom(owner) ? owner : undefined
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
    const started = performance.now()
    const waited = started - task.queuedAt
    task.sentAt = started
    // Its worker runs `concurrency` calls already: it waits (in the worker's line, or in its
    // channel behind a synchronous handler), and the worker says when it starts (`go`).
    const place = options.place
    task.inLine = place !== undefined && member.load >= this.#members.concurrency
    if (task.inLine) (place as LinePlace).announce = true
    member.usage.began(started)
    member.sent.add(task)
    member.clearIdle()
    // In the caller's async context if the task waited in the queue (and so its callbacks too).
    task.inContext(() =>
      task.run(member, options).then(
        (value) => {
          this.#hooks.succeeded()
          task.resolve(value)
          this.#settled(task, member, waited, 'ran')
        },
        (error: unknown) => {
          this.#settled(task, member, waited, this.#failed(task, member, error))
        },
      ),
    )
  }

  /**
   * Fails `task`, or puts it back in the queue (a retry; or a call taken back unrun). Says
   * how its run ended: `returned` unrun, `ran` (its handler ran to its end or to its
   * deadline: a measure of its procedure), or `cut` (its worker died, its caller aborted).
   */
  #failed(task: PoolTask, member: PoolMember, error: unknown): RunEnd {
    if (error instanceof WithdrawnCall) return this.#returned(task, member)
    const end = error instanceof TimeoutError || !(task.cancelledBy(error) || error instanceof WorkerExitedError) ? 'ran' : 'cut'
    if (task.retriable(error) && this.#queue.open) {
      debug('pool: retrying idempotent call "%s" after its worker %d died or stopped answering', task.name, member.pid)
      task.requeue()
      task.keepContext() // here, the context of its run: its caller's
      this.#queue.pushFront(task)
      return end
    }
    // Only while a handler runs on after its call was given up on: a handler that saw its own
    // deadline (it travels with the request) and failed has answered, and needs no watching.
    if (this.#cancelGrace !== undefined && task.cancelledBy(error) && member.lingering > 0) member.watchRunaway(this.#cancelGrace)
    task.fail(error)
    return end
  }

  /** A call taken back from `member`'s line before it ran: first in the queue again, for a free worker (a closed queue fails it). */
  #returned(task: PoolTask, member: PoolMember): RunEnd {
    debug('pool: call "%s" taken back unrun from worker %d, for a free worker', task.name, member.pid)
    task.returned()
    task.keepContext()
    this.#queue.pushFront(task)
    return 'returned'
  }

  /**
   * A run of `task` on `member` ended (`end`), after `waited` ms in the queue. Its handler
   * started when it was sent, or when its worker said so (`go`) if it waited in the worker's
   * line: what it waited there counts as waiting, not running. A run whose handler never
   * started (it left that line unrun) is not in the stats; one cut short does not count
   * towards its procedure's estimated run time.
   */
  #settled(task: PoolTask, member: PoolMember, waited: number, end: RunEnd): void {
    const now = performance.now()
    const returned = end === 'returned'
    member.usage.ended(now, !returned)
    member.sent.delete(task)
    const handlerStart = task.runningSince
    if (!returned && handlerStart !== undefined) {
      this.#hooks.ran(task.name, waited + handlerStart - task.sentAt, now - handlerStart)
      if (end === 'ran') this.#policy.ran(task, now - handlerStart)
    }
    this.#hooks.afterCall(member)
    this.wakeIfIdle()
    this.pump()
  }
}
