/**
 * The figures behind `pool.stats()` that a dashboard charts: per procedure, how long its calls
 * waited in the queue and how long they ran on a worker (`sample-window.ts`); per worker,
 * how busy it has been (`pool-member.ts` keeps its busy time).
 */
import type { WorkerRuntime } from '../supervision/registry.js'
import type { MemberSet } from './member-set.js'
import type { MemberState } from './pool-member.js'
import { SampleWindow, type DurationStats } from './sample-window.js'

/**
 * The waits and runs of one procedure's calls.
 *
 * @remarks
 * In `pool.stats().procedures`. A run is one attempt on a worker: a retried call counts twice.
 *
 * @example
 * ```ts
 * const { queueWait, runTime }: ProcedureStats = pool.stats().procedures.resize!
 * if (queueWait.p99 > 1_000) scaleUp()
 * ```
 */
export interface ProcedureStats {
  /**
   * From the call (or its retry) to the start of its handler on a worker, its wait in the
   * worker's line (`prefetch`) included; calls whose handler never started are not in it.
   */
  readonly queueWait: DurationStats
  /**
   * From the start of its handler to the end of the run, whatever the outcome (a call given
   * up on: until then; a stream: from when it was sent until it ends).
   */
  readonly runTime: DurationStats
}

/**
 * One worker of a pool, as a dashboard shows it.
 *
 * @example
 * ```ts
 * for (const { pid, utilisation, load } of pool.stats().perWorker) console.log(pid, `${Math.round(utilisation * 100)}%`, load)
 * ```
 */
export interface WorkerStats {
  /** What runs the worker: a child process or a worker thread. */
  readonly runtime: WorkerRuntime
  /** The worker's process id (a thread's: this process's). */
  readonly pid: number
  /** A thread's id; undefined for a process. */
  readonly threadId: number | undefined
  /** `starting`, `ready`, `retiring` (stopping) or `gone` (its exit not yet known). */
  readonly state: MemberState
  /** Calls running on it now, and cancelled ones whose handler has not stopped yet. */
  readonly load: number
  /** Calls it has run to their end. */
  readonly calls: number
  /** Time it has run at least one call, in ms. */
  readonly busyTime: number
  /** Time since it became ready, in ms (0 while starting). */
  readonly lifetime: number
  /** `busyTime / lifetime`, from 0 to 1 (0 while starting). */
  readonly utilisation: number
}

export class PoolMetrics {
  readonly #procedures = new Map<string, { readonly queueWait: SampleWindow; readonly runTime: SampleWindow }>()

  /** A run of `procedure` ended: it had waited `waited` ms, and ran for `ran` ms. */
  ran(procedure: string, waited: number, ran: number): void {
    let windows = this.#procedures.get(procedure)
    if (windows === undefined) this.#procedures.set(procedure, (windows = { queueWait: new SampleWindow(), runTime: new SampleWindow() }))
    windows.queueWait.add(waited)
    windows.runTime.add(ran)
  }

  /** The figures now: per procedure (those that ran at least once), and per worker. */
  snapshot(members: MemberSet, now = performance.now()): { procedures: Readonly<Record<string, ProcedureStats>>; perWorker: readonly WorkerStats[] } {
    const procedures: Record<string, ProcedureStats> = Object.create(null) as Record<string, ProcedureStats>
    for (const [name, windows] of this.#procedures) procedures[name] = { queueWait: windows.queueWait.summary(), runTime: windows.runTime.summary() }
    const perWorker = [...members].map((member): WorkerStats => {
      const { busyTime, lifetime } = member.usage.times(now)
      return { ...member.id, state: member.state, load: member.load, calls: member.done, busyTime, lifetime, utilisation: lifetime > 0 ? Math.min(1, busyTime / lifetime) : 0 }
    })
    return { procedures, perWorker }
  }
}
