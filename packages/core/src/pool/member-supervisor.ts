/**
 * The supervision of a pool's workers: start as many as the queue and `min` (or a waiting
 * `ready()`) want, up to `max`, with backoff after failures; replace a worker that crashed
 * or stopped answering (`unresponsiveAfter`: its `unresponsive` event), and retire one that
 * got SIGTERM while the app runs (`sigterm`); stop starting them when the crash-loop guard
 * trips (its `crashloop` event, the `crash-loop` state, CrashLoopError for the calls and
 * `ready()`s no worker can take); and start none once the pool is closing or the app is
 * shutting down (ChannelClosedError for what no worker is left to take).
 */
import { debug } from '../base/debug.js'
import type { Contract } from '../contract/define-contract.js'
import { crashLoop } from '../errors/pool-errors.js'
import { ChannelClosedError, workerExited, type ExitDetails } from '../errors/worker-errors.js'
import type { ManagedWorker } from '../worker/managed-worker.js'
import type { CrashGuard, Trip } from './crash-guard.js'
import { launchWorker, type WorkerStarter } from './launch-worker.js'
import type { MemberRecycler } from './member-recycler.js'
import type { MemberSet } from './member-set.js'
import type { ExitReason, PoolEmitter } from './pool-events.js'
import { PoolMember } from './pool-member.js'
import type { PoolSettings } from './pool-options.js'
import type { PoolStatus } from './pool-state.js'
import { ReadyWaiters } from './ready-waiters.js'
import type { TaskQueue } from './task-queue.js'

export interface SupervisorParts {
  readonly contract: Contract
  readonly module: string | URL
  readonly settings: PoolSettings
  readonly members: MemberSet
  readonly queue: TaskQueue
  readonly guard: CrashGuard
  readonly events: PoolEmitter
  readonly status: PoolStatus
  readonly recycler: MemberRecycler
  /** Moves queued calls to workers with room, then calls `ensureWorkers()`. */
  readonly pump: () => void
  /** Wakes close() if no call waits or runs any more. */
  readonly wakeIfIdle: () => void
  /** How workers start (default: processes or threads, by `settings.start.runtime`). */
  readonly starter?: WorkerStarter | undefined
}

export class MemberSupervisor {
  readonly #parts: SupervisorParts
  readonly #waiters = new ReadyWaiters()
  readonly #startups = new Set<Promise<void>>()
  #retryTimer: NodeJS.Timeout | undefined
  #restarts = 0

  constructor(parts: SupervisorParts) {
    this.#parts = parts
  }

  /** Workers replaced after they crashed, stopped answering, ran away (`cancelGrace`) or went over a memory limit. */
  get restarts(): number {
    return this.#restarts
  }

  /**
   * Calls that workers starting, or still to be started under `max`, will take: they wait
   * in the queue but do not count against `maxQueue`, so a cold pool takes a burst it can
   * serve, and `maxQueue: 0` means "no waiting beyond the pool's own capacity".
   */
  coming(): number {
    const { guard, queue, members, settings, status } = this.#parts
    const startable = guard.tripped === undefined && queue.open && status.startsWorkers ? Math.max(0, settings.max - members.size) : 0
    return (members.starting + startable) * settings.concurrency
  }

  /** Starts the workers that queued calls and the floor (`min`, or one for `ready()`) want, up to `max`. */
  ensureWorkers(): void {
    const { members, queue, guard, settings, status } = this.#parts
    if (!queue.open) return
    if (!status.startsWorkers) return this.#startNone()
    const ready = members.serving
    const starting = members.starting
    const demand = ready + Math.ceil(Math.max(0, queue.size - members.freeSlots()) / settings.concurrency)
    const wanted = Math.max(this.#floor(), Math.min(settings.max, demand))
    let needed = Math.min(wanted - ready - starting, settings.max - members.size)
    if (needed <= 0) return
    const trip = guard.tripped
    if (trip !== undefined) {
      if (ready === 0 && starting === 0) this.#failWaiting(trip)
      return
    }
    if (guard.probing) needed = starting === 0 ? 1 : 0
    const delay = guard.delay()
    if (delay > 0) {
      this.#retryTimer ??= setTimeout(() => {
        this.#retryTimer = undefined
        this.#parts.pump()
      }, delay)
      return
    }
    for (let i = 0; i < needed; i++) this.#start()
  }

  /** `pool.ready()`: resolves once `Math.max(min, 1)` workers serve. */
  whenReady(): Promise<void> {
    const { status, members, guard } = this.#parts
    if (!status.accepting) return Promise.reject(new ChannelClosedError('The pool was closed: no worker will be ready'))
    if (members.serving >= this.#readyTarget()) return Promise.resolve()
    if (!status.startsWorkers && members.serving + members.starting < this.#readyTarget()) return Promise.reject(this.#noStart())
    const trip = guard.tripped
    if (trip !== undefined) return Promise.reject(crashLoop(undefined, trip.detail, trip.error))
    const ready = this.#waiters.wait()
    this.#parts.pump()
    return ready
  }

  /** The pool is closing: waiting `ready()`s reject with ChannelClosedError. */
  closing(): void {
    this.#waiters.rejectAll(new ChannelClosedError('The pool was closed before its workers were ready'))
  }

  /** Once the queue is closed: no start is pending, and the starts under way have ended. */
  async stopStarting(): Promise<void> {
    clearTimeout(this.#retryTimer)
    this.#retryTimer = undefined
    await Promise.all(this.#startups)
  }

  /** Nothing may start: what no worker is left to take fails now, rather than wait for a start that will not come. */
  #startNone(): void {
    const { members, queue } = this.#parts
    if (members.serving + members.starting < this.#readyTarget()) this.#waiters.rejectAll(this.#noStart())
    if (members.serving > 0 || members.starting > 0 || queue.size === 0) return
    queue.failAll((task) => this.#noStart(task.name))
  }

  /** Why no worker is started: the pool is closing, or the app is shutting down. */
  #noStart(procedure?: string): ChannelClosedError {
    const call = procedure === undefined ? 'no worker will be ready' : `no worker is left to run call "${procedure}"`
    const { status } = this.#parts
    const why = status.accepting ? `The app is shutting down (${status.appStopReason ?? 'stopping'}), so the pool starts no worker` : 'The pool is closing'
    return new ChannelClosedError(`${why}: ${call}`, { procedure })
  }

  /** The fewest serving workers wanted: `min`, at least one while `ready()` waits, none once no worker may start. */
  #floor(): number {
    if (!this.#parts.status.startsWorkers) return 0
    return this.#waiters.pending ? this.#readyTarget() : this.#parts.settings.min
  }

  #readyTarget(): number {
    return Math.max(this.#parts.settings.min, 1)
  }

  #start(): void {
    const { contract, module, settings, members, events, recycler, starter } = this.#parts
    const member = new PoolMember(settings.start.runtime, members.nextSerial(), (changed) => members.changed(changed))
    members.add(member)
    const startup = launchWorker(contract, module, settings, member, {
      spawned: (spawned) => events.emit('spawn', spawned.id),
      overLimit: (over, message) => recycler.overLimit(over, message),
      unresponsive: (silent, silentFor) => {
        silent.unresponsive()
        events.emit('unresponsive', { ...silent.id, silentFor })
      },
      sigterm: (signalled) => this.#onSigterm(signalled),
    }, starter).then(
      (worker) => this.#onReady(member, worker),
      (error: Error) => this.#onStartFailed(member, error),
    )
    const tracked = startup.finally(() => this.#startups.delete(tracked))
    this.#startups.add(tracked)
  }

  #onReady(member: PoolMember, worker: ManagedWorker<Contract>): void {
    const { guard, status, members, queue, events, settings, recycler } = this.#parts
    guard.ready()
    status.recovered()
    member.started(worker)
    void worker.handle.gone.then((details) => this.#onGone(member, details))
    events.emit('ready', member.id)
    if (!queue.open) member.retire('closed', settings.stopLimits)
    else recycler.armIdle(member)
    if (members.serving >= this.#readyTarget()) this.#waiters.resolveAll()
    this.#parts.pump()
  }

  /** Its worker got SIGTERM while the app runs: stopped in stages (its calls finish), and replaced if needed. Once closing, the close stops it. */
  #onSigterm(member: PoolMember): void {
    if (!this.#parts.status.accepting) return
    member.retire('sigterm', this.#parts.settings.stopLimits)
    this.#parts.pump()
  }

  #onStartFailed(member: PoolMember, error: Error): void {
    const { guard, members, queue, events } = this.#parts
    members.remove(member)
    member.gone()
    const details = error as { exitCode?: number | null; signal?: NodeJS.Signals | null }
    events.emit('exit', { ...member.id, reason: 'startup', code: details.exitCode ?? null, signal: details.signal ?? null, error })
    const trip = guard.startFailed(error)
    if (trip !== undefined) this.#onTrip(trip)
    else if (queue.open && this.#parts.status.startsWorkers && (queue.size > 0 || members.size - members.starting < this.#floor())) {
      events.emit('restart', { ...member.id, reason: 'startup', delay: guard.delay() })
    }
    this.#parts.pump()
  }

  /** Its worker is gone (its calls have failed): a crash, unless it was retired or the pool is closing. */
  #onGone(member: PoolMember, details: ExitDetails): void {
    // Once the pool is closing, a worker that exits is not replaced and is no crash:
    // shutdownAll() stops the pool's workers directly, at the same time as the pool.
    const reason = member.reason ?? (this.#parts.status.accepting ? (details.outOfMemory === true ? 'out-of-memory' : 'crash') : 'closed')
    member.gone()
    if (REPLACED.has(reason)) this.#restarts += 1
    void member.exitOf(details, this.#parts.settings.stopLimits).then((exit) => this.#onExit(member, reason, exit))
  }

  /** Its process has exited too (see `PoolMember.exitOf`): it leaves the pool, and a crashed one is replaced. */
  #onExit(member: PoolMember, reason: ExitReason, details: ExitDetails): void {
    const { guard, members, queue, events } = this.#parts
    members.remove(member)
    events.emit('exit', { ...member.id, reason, code: details.exitCode, signal: details.signal })
    // A worker given up on for `unresponsiveAfter` failed like one that crashed: the guard counts it.
    if (failed(reason)) {
      const trip = guard.crashed(workerExited(details))
      if (trip !== undefined) this.#onTrip(trip)
      // Replaced only when needed (queued calls, or fewer than the floor); otherwise on demand.
      else if (this.#parts.status.startsWorkers && (queue.size > 0 || members.serving + members.starting < this.#floor())) events.emit('restart', { ...member.id, reason, delay: guard.delay() })
    }
    this.#parts.wakeIfIdle()
    this.#parts.pump()
  }

  #onTrip(trip: Trip): void {
    debug('pool: crash-loop guard tripped: %s', trip.detail)
    this.#parts.events.emit('crashloop', { detail: trip.detail, error: trip.error as Error })
    this.#parts.status.tripped()
    this.#waiters.rejectAll(crashLoop(undefined, trip.detail, trip.error))
    if (this.#parts.members.serving === 0) this.#failWaiting(trip)
  }

  /** No worker is left nor coming: queued calls and `ready()`s fail with CrashLoopError. */
  #failWaiting(trip: Trip): void {
    this.#parts.queue.failAll((task) => crashLoop(task.name, trip.detail, trip.error))
    this.#waiters.rejectAll(crashLoop(undefined, trip.detail, trip.error))
  }
}

/**
 * Why a worker that exits is replaced (what `restarts` counts): it died or was stopped for a
 * fault or from outside; not a pool closing, an idle stop, a planned recycling, or a failed start.
 */
const REPLACED: ReadonlySet<ExitReason> = new Set<ExitReason>(['crash', 'out-of-memory', 'unresponsive', 'runaway', 'memory', 'sigterm'])

/** Whether a worker that exited for `reason` failed: it crashed, ran out of memory, or stopped answering. */
function failed(reason: ExitReason): boolean {
  return reason === 'crash' || reason === 'out-of-memory' || reason === 'unresponsive'
}
