/**
 * One worker of a pool, process or thread, and its use. Its state: `starting` (no worker
 * yet) → `ready` (takes calls) → `retiring` (stopping, for a reason: idle, recycled,
 * memory, runaway, closed) → `gone` (its calls have failed; it leaves the pool once its
 * exit is known); a worker that dies by itself goes from `ready` to `gone`. It keeps its
 * load, its idle timer, the timers watching cancelled handlers (`cancelGrace`), and
 * whether it went over a memory limit.
 */
import { debug } from '../base/debug.js'
import type { AnyDeclaration, Contract } from '../contract/define-contract.js'
import type { ExitDetails } from '../errors/worker-errors.js'
import type { ExitResult, StopOptions, WorkerRuntime } from '../supervision/registry.js'
import { failedIterator } from '../rpc/call-object.js'
import type { ManagedWorker } from '../worker/managed-worker.js'
import { MemberUsage } from './member-usage.js'
import { RunawayWatch } from './runaway-watch.js'
import type { ExitReason, WorkerIdentity } from './pool-events.js'
import type { PoolTask } from './pool-task.js'
import type { WorkerCallOptions } from './task-call.js'

/**
 * Where a pool's worker is.
 *
 * @remarks
 * `'starting'` (no worker yet), `'ready'` (takes calls), `'retiring'` (stopping, for an
 * `ExitReason`), `'gone'` (its calls have failed; it leaves the pool once its exit is known).
 *
 * @example
 * ```ts
 * const serving = members.filter((member) => member.state === 'ready')
 * ```
 */
export type MemberState = 'starting' | 'ready' | 'retiring' | 'gone'


export class PoolMember {
  readonly runtime: WorkerRuntime
  /** Its number in the pool, never reused: what rendezvous hashing of keys scores. */
  readonly serial: number
  /** The process's pid (0 until it has one); for a thread, this process's. */
  pid: number
  threadId: number | undefined
  /** Calls running and finished, busy time: see `member-usage.ts`. */
  readonly usage = new MemberUsage()
  /** It said it is over `maxHeapBytes` or `maxRssBytes`. */
  overLimit = false
  /** The pool's calls sent to it and not settled yet, in the order they were sent. */
  readonly sent = new Set<PoolTask>()
  #state: MemberState = 'starting'
  #reason: ExitReason | undefined
  #worker: ManagedWorker<Contract> | undefined
  #idleTimer: NodeJS.Timeout | undefined
  readonly #runaway = new RunawayWatch({
    pid: () => this.pid,
    serving: () => this.serving,
    lingering: () => (this.#worker as ManagedWorker<Contract>).peer.caller.table.lingering,
    kill: () => this.kill('runaway'),
  })

  /** Hears every change of its state or load that the dispatcher did not make itself. */
  readonly #changed: (member: PoolMember) => void

  /** `changed` hears each change of its state, and each cancelled handler of its worker that settles (its load falls). */
  constructor(runtime: WorkerRuntime, serial: number, changed: (member: PoolMember) => void = () => undefined) {
    this.runtime = runtime
    this.serial = serial
    this.pid = runtime === 'thread' ? process.pid : 0
    this.#changed = changed
  }

  get state(): MemberState {
    return this.#state
  }

  /** Why it is stopping, once it is retiring. */
  get reason(): ExitReason | undefined {
    return this.#reason
  }

  /** Which worker it is, for events and results. */
  get id(): WorkerIdentity {
    return { runtime: this.runtime, pid: this.pid, threadId: this.threadId }
  }

  /** Its module path, as `workers()` shows it. */
  get label(): string {
    return this.#worker?.handle.label ?? ''
  }

  /** Pool calls running, plus cancelled calls whose handler has not settled yet. */
  get load(): number {
    return this.active + (this.#worker?.peer.caller.table.lingering.size ?? 0)
  }

  /** Cancelled calls whose handler has not settled yet. */
  get lingering(): number {
    return this.#worker?.peer.caller.table.lingering.size ?? 0
  }

  /** Ready, and its worker is alive and takes calls (its channel has not closed, it was not given up on). */
  get serving(): boolean {
    const worker = this.#worker
    return this.#state === 'ready' && worker?.state === 'ready' && worker.peer.caller.refusal === undefined && worker.handle.running()
  }

  /** `starting` → `ready`. */
  started(worker: ManagedWorker<Contract>): void {
    this.#worker = worker
    this.pid = worker.handle.pid
    this.threadId = worker.handle.threadId
    this.usage.readyNow()
    // A handler given up on that settles frees a slot: the queue may move (and no runaway is left to watch).
    worker.peer.caller.table.onLingerEnd(() => {
      if (this.lingering === 0) this.clearRunaway()
      this.#changed(this)
    })
    if (this.#state === 'starting') this.#state = 'ready'
    this.#changed(this)
  }

  /** Pool calls running on it. */
  get active(): number {
    return this.usage.active
  }

  /** Pool calls it has finished. */
  get done(): number {
    return this.usage.done
  }

  /**
   * Runs procedure `name` on its worker, through its peer rather than its call object: a
   * failure's error then gets the frames of the pool's caller, not the pool's (caller-stack.ts).
   */
  call(name: string, declared: AnyDeclaration, input: unknown, options: WorkerCallOptions): Promise<unknown> {
    const caller = (this.#worker as ManagedWorker<Contract>).peer.caller
    try {
      return caller.call(name, declared, input, options)
    } catch (error) {
      return Promise.reject(error)
    }
  }

  /** Opens stream `name` on its worker, through its peer (as `call`); the request goes out on the first `next()`. */
  stream(name: string, declared: AnyDeclaration, input: unknown, options: WorkerCallOptions): AsyncIterableIterator<unknown> {
    try {
      return (this.#worker as ManagedWorker<Contract>).peer.caller.stream(name, declared, input, options)
    } catch (error) {
      return failedIterator(error)
    }
  }

  /** `ready` → `retiring`: its worker stops in stages. False if it was not ready. */
  retire(reason: ExitReason, limits: Partial<StopOptions>): boolean {
    if (this.#state !== 'ready') return false
    this.#retiring(reason)
    debug('pool: stopping %s worker %d (%s)', this.runtime, this.threadId ?? this.pid, reason)
    this.close(limits).catch((error: unknown) => debug('pool: closing worker %d failed: %o', this.pid, error))
    return true
  }

  /** Wakes its worker if it is stopped (SIGSTOP), so that its calls can finish within the pool's grace. */
  resume(): void {
    if (this.#worker?.handle.running()) this.#worker.handle.resume()
  }

  /** Its worker's staged stop (the same promise every time). */
  close(limits: Partial<StopOptions>): Promise<ExitResult> {
    return (this.#worker as ManagedWorker<Contract>).close(limits)
  }

  /** `ready` → `retiring`: kills its worker now (SIGKILL, or the thread is terminated). */
  kill(reason: ExitReason): void {
    if (this.#state !== 'ready') return
    this.#retiring(reason)
    ;(this.#worker as ManagedWorker<Contract>).handle.kill()
    // close() holds the process until the killed worker is gone, so that its exit is seen
    // and the calls queued behind it get a fresh worker.
    this.close({ grace: 0, killTimeout: 0 }).catch((error: unknown) => debug('pool: closing worker %d failed: %o', this.pid, error))
  }

  /** `ready` → `retiring`: its worker was given up on for `unresponsiveAfter` (and is being killed). */
  unresponsive(): void {
    if (this.#state !== 'ready') return
    this.#retiring('unresponsive')
  }

  /** `ready` → `retiring(reason)`: it takes no more calls, so keyed calls move to other workers. */
  #retiring(reason: ExitReason): void {
    this.#state = 'retiring'
    this.#reason = reason
    this.clearIdle()
    this.#changed(this)
  }

  /**
   * How its worker ended, once it is gone. `gone` (its channel closed, its calls rejected)
   * can come before the exit itself: a process asked to stop disconnects first and exits a
   * little later. Waiting for the exit keeps the `exit` event's code right, and keeps a
   * replacement from starting while the old process still runs (`max`). A process that
   * dropped its channel but does not exit by itself is stopped in stages like any other.
   */
  async exitOf(details: ExitDetails, limits: Partial<StopOptions>): Promise<ExitDetails> {
    const handle = (this.#worker as ManagedWorker<Contract>).handle
    if (handle.running()) await Promise.all([this.close(limits).catch(() => undefined), handle.exited])
    const exit = await handle.exited
    return { ...details, exitCode: exit.exitCode, signal: exit.signal }
  }

  /** → `gone`: its timers are cleared. */
  gone(): void {
    this.#state = 'gone'
    this.clearIdle()
    this.clearRunaway()
    this.#changed(this)
  }

  /** Calls `onIdle` after `ms` (not holding the process open), unless a call comes first. */
  armIdle(ms: number, onIdle: () => void): void {
    clearTimeout(this.#idleTimer)
    this.#idleTimer = setTimeout(() => {
      this.#idleTimer = undefined
      onIdle()
    }, ms)
    this.#idleTimer.unref()
  }

  clearIdle(): void {
    clearTimeout(this.#idleTimer)
    this.#idleTimer = undefined
  }

  /** After a cancellation: kills the worker if a cancelled handler still runs `grace` ms later (`runaway-watch.ts`). */
  watchRunaway(grace: number): void {
    this.#runaway.watch(grace)
  }

  /** Whether a timer watches a cancelled handler (`cancelGrace`). */
  get watchingRunaway(): boolean {
    return this.#runaway.watching
  }

  clearRunaway(): void {
    this.#runaway.clear()
  }
}
