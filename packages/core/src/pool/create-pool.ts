/**
 * `createPool()`: the public pool, wired from its parts. A call becomes a task
 * (`pool-task.ts`) that the dispatcher (`dispatcher.ts`) runs on the least busy worker or
 * queues (`task-queue.ts`); the supervisor (`member-supervisor.ts`) starts, replaces and
 * guards the workers (`pool-member.ts`), the recycler (`member-recycler.ts`) retires them,
 * the closer (`pool-closer.ts`) stops them all; the pool's one state field is in
 * `pool-state.ts`.
 */
import type { Client } from '../contract/call-types.js'
import type { Contract } from '../contract/define-contract.js'
import type { ContractWithoutHost, HostOption } from '../contract/host.js'
import { createCallObject } from '../rpc/call-object.js'
import { appShutdown } from '../supervision/app-shutdown.js'
import { trackPool, type CloseOptions, type ShutdownResult, type StopOptions } from '../supervision/registry.js'
import { checkModule } from '../worker/module-path.js'
import { checkConfinement } from '../worker/privilege/check-confinement.js'
import { CrashGuard } from './crash-guard.js'
import { Dispatcher } from './dispatcher.js'
import { OverloadPolicy } from './overload-policy.js'
import { RunEstimates } from './run-estimates.js'
import type { WorkerStarter } from './launch-worker.js'
import { MemberRecycler } from './member-recycler.js'
import { MemberSet } from './member-set.js'
import { MemberSupervisor } from './member-supervisor.js'
import { PoolCloser } from './pool-closer.js'
import { PoolEmitter, type PoolEvents } from './pool-events.js'
import { PoolMetrics, type ProcedureStats, type WorkerStats } from './pool-metrics.js'
import { readPoolOptions, type PoolOptions } from './pool-options.js'
import { PoolStatus, type PoolState } from './pool-state.js'
import type { PoolCallOptions } from './pool-call-options.js'
import { PoolCalls } from './pool-calls.js'
import type { PoolMember } from './pool-member.js'
import { TaskQueue } from './task-queue.js'

/**
 * A snapshot of a pool: counts of its workers and calls, and for a dashboard, per procedure
 * the percentiles of its calls' waits in the queue and runs on a worker (over the latest
 * 1,024 of each: bounded memory), and per worker its load, calls and utilisation.
 *
 * @example
 * ```ts
 * const { workers, busy, idle, queued, procedures, perWorker } = pool.stats()
 * const resize = procedures.resize // undefined until a call of it has run
 * if (resize !== undefined) console.log(`resize: waited p99 ${resize.queueWait.p99} ms, ran p50 ${resize.runTime.p50} ms`)
 * for (const worker of perWorker) console.log(worker.pid, `${Math.round(worker.utilisation * 100)}% busy`, worker.load)
 * ```
 */
export interface PoolStats {
  /** The pool's state: running, closing or closed (`PoolState`). */
  readonly state: PoolState
  /** Workers running (ready or stopping). */
  readonly workers: number
  /** Workers starting. */
  readonly starting: number
  /** Ready workers running at least one call (or a cancelled handler that has not stopped). */
  readonly busy: number
  /** Ready workers running nothing. */
  readonly idle: number
  /** Calls waiting for a worker. */
  readonly queued: number
  /** Calls running on workers. */
  readonly inFlight: number
  /**
   * Workers replaced: those that crashed, ran out of memory (`heapLimitMb`), stopped
   * answering (`unresponsiveAfter`), ran away (`cancelGrace`), went over a memory limit
   * (`maxHeapBytes`, `maxRssBytes`) or got SIGTERM from outside; not those stopped by
   * `close()`, `idleTimeout` or `maxTasksPerWorker`.
   */
  readonly restarts: number
  /** Calls refused with PoolOverloadedError (`overload: 'shed'`): at admission, or when their turn came too late. */
  readonly shed: number
  /**
   * Per procedure that ran at least once (a null-prototype record): its calls' waits in the
   * queue and runs on a worker, each as count and p50/p90/p99/max over the latest 1,024.
   * A run is one attempt: a retried call counts twice.
   */
  readonly procedures: Readonly<Record<string, ProcedureStats>>
  /** Every worker of the pool, starting and stopping ones included, with its load and utilisation. */
  readonly perWorker: readonly WorkerStats[]
}

/**
 * A pool of workers (child processes or worker threads) serving one contract.
 *
 * @example
 * ```ts
 * await using pool = createPool(hashing, new URL('./hash.worker.js', import.meta.url), { max: 4 })
 * await pool.ready()
 * const digests = await Promise.all(files.map((file) => pool.call.sha256(file)))
 * ```
 */
export interface Pool<C extends Contract> {
  /**
   * One async function per procedure, as on a single worker; calls go to the least busy
   * ready worker (a keyed call: its key's worker), or wait in the queue. Each takes, besides a
   * worker call's options, a `priority` (higher leaves the queue first) and a `key` (calls
   * with one key go to one worker): {@link PoolCallOptions}. A call's `timeout` counts from the
   * call, queue time included; its `onProgress` hears the `progress` events of its handler on
   * whichever worker runs it. A stream's iterator submits its call on the first `next()` and
   * holds its worker's slot until the stream ends.
   */
  readonly call: Client<C, PoolCallOptions>
  /** Listens to an event; returns the function that stops listening. A name the pool does not emit, or a listener that is not a function, is a TypeError. */
  on<E extends keyof PoolEvents>(event: E, listener: (event: PoolEvents[E]) => void): () => void
  /**
   * Resolves once at least `Math.max(min, 1)` workers are ready (with `min: 0`, one is
   * started for it). Rejects with CrashLoopError if the crash-loop guard trips first (its
   * `cause`, the last failure: a StartupError when no worker can start), or with
   * ChannelClosedError once the pool is closing, or when the app is shutting down with too
   * few workers up (none will start). Never throws.
   */
  ready(): Promise<void>
  /** Counts of workers and calls right now, waits and run times per procedure, and each worker's utilisation. */
  stats(): PoolStats
  /**
   * Stops taking calls; queued and running calls get `grace` ms to finish on the workers
   * it has (a stopped (SIGSTOP) worker is woken first), for it starts none any more (queued calls that no worker is left to run, or
   * still queued then, reject with ChannelClosedError); then every worker stops in stages
   * (shutdown request, SIGTERM, SIGKILL after `killTimeout`; a thread is terminated).
   * Resolves with how each worker ended. Calling it again returns the same promise.
   */
  close(options?: CloseOptions): Promise<ShutdownResult[]>
  /** The same as `close()`, for `await using`. */
  [Symbol.asyncDispose](): Promise<void>
}

/**
 * Starts a pool of workers running `module`: child processes (the default), or worker
 * threads with `runtime: 'thread'`, every one started with the same options. Workers start
 * on demand (or `min` at once); the pool never has more than `max`. `module` is named as for
 * {@link (fork:1)}: a `.js` that does not exist stands for its `.ts` source beside it; a
 * worker that cannot start (nothing would run that TypeScript, say) fails the calls waiting
 * for it with CrashLoopError whose `cause` is the StartupError, once the guard trips.
 *
 * Calls go to the least busy ready worker, or wait in a queue (at most `maxQueue`) and
 * honour their own timeout and AbortSignal while they wait: a call's timeout counts from
 * the call, queue time included. A call's `priority` orders the queue (highest first, FIFO
 * within one); calls with the same `key` go to the same worker while it lives (rendezvous
 * hashing), waiting for it when it is busy. A worker that dies fails its calls with
 * WorkerExitedError, except calls of procedures declared `idempotent`, which are retried
 * once on another worker; it is replaced, with backoff, and a crash-loop guard stops the
 * restarts when workers keep dying (`crashloop` event, CrashLoopError). With
 * `unresponsiveAfter`, a worker that stops answering (SIGSTOP, a synchronous loop) is
 * treated the same way, with WorkerUnresponsiveError and an `unresponsive` event. A worker
 * that gets SIGTERM from outside is drained, not crashed: with the app's shutdown if the app
 * is shutting down, or else retired in stages and replaced (`exit` reason `sigterm`). Once
 * the pool is closing or the app is shutting down (`draining`), no worker is started. Stream
 * procedures, input streams and host procedures work as on a single worker; a stream holds
 * its worker's slot until it ends, and is never retried. The pool's `call` interceptors run
 * once per call. `stats()` has what a dashboard charts.
 *
 * @example
 * ```ts
 * import { createPool } from '@forkrpc/core'
 * const pool = createPool(primes, new URL('./primes.worker.js', import.meta.url), { max: 4, timeout: 10_000 })
 * pool.on('exit', ({ pid, reason }) => console.error(`worker ${pid} exited: ${reason}`))
 * console.log(await pool.call.count({ below: 1_000_000 }))
 * console.log(await pool.call.count({ below: 1_000 }, { priority: 10, key: 'small' }))
 * await pool.close()
 *
 * const threads = createPool(primes, new URL('./primes.worker.js', import.meta.url), { runtime: 'thread', max: 4 })
 * ```
 */
export function createPool<C extends ContractWithoutHost>(contract: C, module: string | URL, options?: PoolOptions): Pool<C>
/**
 * Starts a pool whose contract declares host procedures (two-way calls): `options.host`
 * must give their handlers, which every worker of the pool calls in this process.
 *
 * @example
 * ```ts
 * const pool = createPool(app, new URL('./app.worker.js', import.meta.url), { max: 2, host: { getConfig: (key) => config[key] } })
 * ```
 */
export function createPool<C extends Contract>(contract: C, module: string | URL, options: PoolOptions & HostOption<C>): Pool<C>
export function createPool<C extends Contract>(contract: C, module: string | URL, options: PoolOptions = {}): Pool<C> {
  return assemblePool(contract, module, options).pool
}

/** A pool and the parts a test of its state checks. */
export interface PoolParts<C extends Contract> {
  readonly pool: Pool<C>
  readonly members: MemberSet
  readonly queue: TaskQueue<PoolMember>
}

/**
 * `createPool()`, with the way its workers start: real processes or threads by default; the
 * pool's model-based test gives simulated workers on a fake clock (`WorkerStarter`).
 */
export function assemblePool<C extends Contract>(contract: C, module: string | URL, options: PoolOptions, starter?: WorkerStarter): PoolParts<C> {
  const settings = readPoolOptions(contract, options)
  checkModule(module, 'createPool(contract, module)')
  checkConfinement(settings.start, module, 'createPool()')
  const status = new PoolStatus(appShutdown)
  const guard = new CrashGuard(options)
  const events = new PoolEmitter()
  // Every change of a worker's state, or of its load outside the dispatcher, ends in a pump:
  // no worker idles while a call it may run waits in the queue.
  const members = new MemberSet(settings.concurrency, settings.prefetch, (member) => {
    recycler.changed(member)
    dispatcher.pumpSoon()
  })
  const metrics = new PoolMetrics()
  const queue = new TaskQueue<PoolMember>(settings.maxQueue, () => dispatcher.wakeIfIdle())
  const pump = (): void => dispatcher.pump()
  const recycler = new MemberRecycler(settings, members, status)
  const supervisor = new MemberSupervisor({ contract, module, settings, members, queue, guard, events, status, recycler, pump, wakeIfIdle: () => dispatcher.wakeIfIdle(), starter })
  const policy = new OverloadPolicy(settings.overload, new RunEstimates(), members, queue)
  const dispatcher = new Dispatcher({ queue, members, cancelGrace: settings.cancelGrace, policy }, {
    coming: () => supervisor.coming(),
    wantWorkers: () => supervisor.ensureWorkers(),
    afterCall: (member) => recycler.afterCall(member),
    succeeded: () => guard.succeeded(),
    ran: (name, waited, ran) => metrics.ran(name, waited, ran),
  })

  const calls = new PoolCalls({ timeout: settings.timeout, interceptors: settings.callInterceptors, status, guard, members, dispatcher })

  const closer = new PoolCloser({ settings, status, queue, members, dispatcher, supervisor }, () => {
    untrack()
    unwatch()
  })
  const close = (limits?: Partial<StopOptions>): Promise<ShutdownResult[]> => closer.close(limits)
  const untrack = trackPool({ close })
  // Once the app shuts down, no worker starts: what none is left to take fails now.
  const unwatch = appShutdown.onStopping(pump)

  queueMicrotask(pump) // starts `min` workers
  const pool: Pool<C> = {
    call: createCallObject(contract, {
      call: (name, declaration, input, options) => calls.call(name, declaration, input, options),
      stream: (name, declaration, input, options) => calls.stream(name, declaration, input, options),
      joinsStacks: settings.callerStacks,
    }) as unknown as Client<C, PoolCallOptions>,
    on: (event, listener) => events.on(event, listener),
    ready: () => supervisor.whenReady(),
    stats: () => ({ state: status.state, ...members.counts(), queued: queue.size, restarts: supervisor.restarts, shed: policy.shed, ...metrics.snapshot(members) }),
    close,
    async [Symbol.asyncDispose]() {
      await close()
    },
  }
  return { pool, members, queue }
}
