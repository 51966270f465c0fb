/**
 * A pool of forked workers behind one typed `call`: dispatch to the least busy worker, a
 * bounded queue, crash recovery with a crash-loop guard, recycling, and a second level of
 * cancellation that kills a worker whose handler ignores its signal.
 */
import { once } from 'node:events'
import { availableParallelism } from 'node:os'
import { resolve as resolvePath } from 'node:path'
import { fileURLToPath } from 'node:url'
import { debug } from '../base/debug.js'
import { checkTimeout, MAX_TIMER_MS, waitAtMost } from '../base/timeouts.js'
import type { CallOptions, Client } from '../contract/call-types.js'
import type { AnyDeclaration, Contract } from '../contract/define-contract.js'
import { TimeoutError, timeoutError } from '../errors/call-errors.js'
import { crashLoop, queueFull, type CrashLoopError } from '../errors/pool-errors.js'
import { ChannelClosedError, WorkerExitedError, workerExited, type ExitDetails } from '../errors/worker-errors.js'
import { MessageType } from '../protocol/messages.js'
import { createCallObject } from '../rpc/call-object.js'
import { withCallerStack, type CallerStack } from '../rpc/caller-stack.js'
import { trackPool, type ShutdownResult, type StopOptions } from '../supervision/registry.js'
import { forkWorker, type ForkOptions } from '../worker/fork.js'
import type { ProcessWorker } from '../worker/managed-worker.js'
import { CrashGuard, checkCrashGuardOptions, type CrashGuardOptions, type Trip } from './crash-guard.js'
import { PoolEmitter, type ExitReason, type PoolEvents } from './pool-events.js'

/**
 * Options of {@link createPool}: how many workers, how each is used and recycled, the
 * crash-loop guard, and the fork options every worker is started with.
 *
 * @example
 * ```ts
 * const options: PoolOptions = { min: 1, max: 4, concurrency: 1, maxQueue: 1_000, timeout: 5_000, cancelGrace: 1_000 }
 * ```
 */
export interface PoolOptions extends ForkOptions, CrashGuardOptions {
  /** Workers kept running even when idle. Default 0: workers start on demand. */
  min?: number
  /** The most workers at once (counting those starting and stopping). Default `os.availableParallelism()`. */
  max?: number
  /** Calls one worker runs at once. Default 1 (CPU-bound work); raise it for async work. */
  concurrency?: number
  /**
   * Calls that may wait beyond what the pool's workers (running, starting, or yet to start
   * under `max`) will take; beyond it a call rejects with QueueFullError. Default Infinity.
   */
  maxQueue?: number
  /** A worker idle this long is stopped while more than `min` run, in ms. Default 30,000; `0` or `Infinity`: never. */
  idleTimeout?: number
  /** A worker is replaced after this many calls. Default Infinity. */
  maxTasksPerWorker?: number
  /** A worker whose heap (`heapUsed`) is over this many bytes after a call is replaced. */
  maxHeapBytes?: number
  /** A worker whose resident set is over this many bytes after a call is replaced. */
  maxRssBytes?: number
  /**
   * Opt-in second level of cancellation: when a call is cancelled or times out, its
   * handler's `ctx.signal` aborts first; if the handler has not settled `cancelGrace` ms
   * later (a synchronous loop does not look at signals), the worker is killed and replaced.
   * Other calls running on that worker reject with WorkerExitedError (idempotent ones are
   * retried). Default: off.
   */
  cancelGrace?: number
}

/**
 * Where a pool is: `running`; `crash-loop` (the guard tripped: no new workers for a
 * while); `closing`; `closed`.
 *
 * @example
 * ```ts
 * if (pool.stats().state === 'crash-loop') res.status(503)
 * ```
 */
export type PoolState = 'running' | 'crash-loop' | 'closing' | 'closed'

/**
 * A snapshot of a pool.
 *
 * @example
 * ```ts
 * const { workers, busy, idle, queued } = pool.stats()
 * ```
 */
export interface PoolStats {
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
  /** Workers replaced after they died. */
  readonly restarts: number
}

/**
 * A pool of workers serving one contract.
 *
 * @example
 * ```ts
 * await using pool = createPool(hashing, new URL('./hash.worker.js', import.meta.url), { max: 4 })
 * const digests = await Promise.all(files.map((file) => pool.call.sha256(file)))
 * ```
 */
export interface Pool<C extends Contract> {
  /** One async function per procedure, as on a single worker; calls go to the least busy worker. */
  readonly call: Client<C>
  /** Listens to an event; returns the function that stops listening. */
  on<E extends keyof PoolEvents>(event: E, listener: (event: PoolEvents[E]) => void): () => void
  /** Counts of workers and calls, right now. */
  stats(): PoolStats
  /**
   * Stops taking calls; queued and running calls get `grace` ms to finish (queued calls
   * left then reject with ChannelClosedError); then every worker stops in stages
   * (shutdown request, SIGTERM, SIGKILL after `killTimeout`). Resolves with how each
   * worker ended. Calling it again returns the same promise.
   */
  close(options?: Partial<StopOptions>): Promise<ShutdownResult[]>
  /** The same as `close()`, for `await using`. */
  [Symbol.asyncDispose](): Promise<void>
}

/** One worker of the pool and its use. */
interface Member {
  readonly worker: ProcessWorker<Contract>
  readonly pid: number
  /** Pool calls running on it. */
  active: number
  /** Pool calls it has finished. */
  done: number
  /** Why it is being stopped, once it is. */
  retiring: ExitReason | undefined
  overLimit: boolean
  idleTimer: NodeJS.Timeout | undefined
  /** Timers of `cancelGrace` watching cancelled handlers that still run. */
  readonly runawayTimers: Set<NodeJS.Timeout>
}

/** A call of the pool, queued or running. */
interface Task {
  readonly name: string
  readonly definition: AnyDeclaration
  readonly input: unknown
  readonly signal: AbortSignal | undefined
  /** The call's timeout (call, procedure or pool), for the whole call: queue and run. */
  readonly timeout: number | undefined
  readonly deadline: number | undefined
  readonly caller: CallerStack
  readonly resolve: (value: unknown) => void
  readonly reject: (reason: unknown) => void
  attempts: number
  /** Set while queued: the queue timer and abort listener to undo. */
  timer: NodeJS.Timeout | undefined
  onAbort: (() => void) | undefined
  queued: boolean
}

const DEFAULT_IDLE_TIMEOUT = 30_000

/**
 * Starts a pool of workers running `module`, every one forked with the same options.
 * Workers start on demand (or `min` at once); the pool never has more than `max`.
 *
 * Calls go to the least busy ready worker, or wait in a queue (at most `maxQueue`) and
 * honour their own timeout and AbortSignal while they wait: a call's timeout counts from
 * the call, queue time included. A worker that dies fails its calls with WorkerExitedError,
 * except calls of procedures declared `idempotent`, which are retried once on another
 * worker; it is replaced, with backoff, and a crash-loop guard stops the restarts when
 * workers keep dying (`crashloop` event, CrashLoopError).
 *
 * @example
 * ```ts
 * import { createPool } from '@forkrpc/core'
 * const pool = createPool(primes, new URL('./primes.worker.js', import.meta.url), { max: 4, timeout: 10_000 })
 * pool.on('exit', ({ pid, reason }) => console.error(`worker ${pid} exited: ${reason}`))
 * console.log(await pool.call.count({ below: 1_000_000 }))
 * await pool.close()
 * ```
 */
export function createPool<C extends Contract>(contract: C, module: string | URL, options: PoolOptions = {}): Pool<C> {
  const settings = checkPoolOptions(options)
  const { min, max, concurrency, maxQueue, idleTimeout, maxTasksPerWorker, cancelGrace } = settings
  const memoryLimits =
    options.maxHeapBytes === undefined && options.maxRssBytes === undefined ? undefined : { hb: options.maxHeapBytes, rb: options.maxRssBytes }
  // The pool runs the timeouts (queue time counts); workers get each call's remainder.
  const forkOptions: ForkOptions = { ...options, timeout: undefined }
  const moduleLabel = module instanceof URL ? fileURLToPath(module) : resolvePath(typeof options.cwd === 'string' ? options.cwd : options.cwd instanceof URL ? fileURLToPath(options.cwd) : process.cwd(), module)
  const guard = new CrashGuard(options)
  const events = new PoolEmitter()
  const members: Member[] = []
  const queue: Task[] = []
  let queueHead = 0
  let queued = 0
  let starting = 0
  let restarts = 0
  let accepting = true
  let closing = false
  let closed = false
  let retryTimer: NodeJS.Timeout | undefined
  const startups = new Set<Promise<void>>()
  const drainWaiters: Array<() => void> = []
  let closePromise: Promise<ShutdownResult[]> | undefined

  const call = createCallObject(contract, {
    call: (name, declared, input, callOptions, caller) => submit(name, declared, input, callOptions as CallOptions | undefined, caller),
    stream: (name) => {
      throw new TypeError(`"${name}" is a stream procedure, which a pool does not take yet: fork a worker for it`)
    },
    recordsStacks: () => true,
  }) as unknown as Client<C>

  function submit(name: string, definition: AnyDeclaration, input: unknown, callOptions: CallOptions | undefined, caller: CallerStack): Promise<unknown> {
    if (definition.kind === 'input-stream') return Promise.reject(new TypeError(`"${name}" is an input stream procedure, which a pool does not take yet: fork a worker for it`))
    const signal = callOptions?.signal
    if (signal !== undefined && !(signal instanceof AbortSignal)) throw new TypeError(`call "${name}": options.signal must be an AbortSignal`)
    let timeout = callOptions?.timeout
    if (timeout === undefined) timeout = definition.timeout ?? options.timeout
    else checkTimeout(timeout, `call "${name}"`)
    if (!accepting) return Promise.reject(withCallerStack(new ChannelClosedError(`The pool was closed; call "${name}" was not sent`, { procedure: name }), caller))
    if (signal?.aborted) return Promise.reject(signal.reason)
    const trip = guard.tripped
    if (trip !== undefined && readyMembers() === 0) return Promise.reject(withCallerStack(crashLoopError(name, trip), caller))
    const member = queued === 0 ? pick() : undefined
    if (member === undefined && queued >= maxQueue + comingCapacity()) return Promise.reject(withCallerStack(queueFull(name, maxQueue), caller))
    return new Promise((resolve, reject) => {
      const limited = timeout !== undefined && timeout > 0 && timeout !== Infinity
      const task: Task = {
        name,
        definition,
        input,
        signal,
        timeout: limited ? timeout : undefined,
        deadline: limited ? Date.now() + (timeout as number) : undefined,
        caller,
        resolve,
        reject,
        attempts: 1,
        timer: undefined,
        onAbort: undefined,
        queued: false,
      }
      if (member !== undefined) run(task, member)
      else {
        enqueue(task, false)
        pump()
      }
    })
  }

  // ---- the queue ----

  /**
   * Calls that workers starting, or still to be started under `max`, will take: they wait
   * in the queue but do not count against `maxQueue`, so a cold pool takes a burst it can
   * serve, and `maxQueue: 0` means "no waiting beyond the pool's own capacity".
   */
  function comingCapacity(): number {
    const startable = guard.tripped === undefined && !closing ? Math.max(0, max - members.length - starting) : 0
    return (starting + startable) * concurrency
  }

  function enqueue(task: Task, first: boolean): void {
    task.queued = true
    queued += 1
    if (first) {
      if (queueHead > 0) queue[--queueHead] = task
      else queue.unshift(task)
    } else queue.push(task)
    if (task.deadline !== undefined) {
      const remaining = task.deadline - Date.now()
      // Beyond setTimeout's range the worker's own timer takes over once the call runs.
      if (remaining <= MAX_TIMER_MS) task.timer = setTimeout(() => dropQueued(task, withCallerStack(timeoutError(task.name, task.timeout as number), task.caller)), Math.max(remaining, 0))
    }
    if (task.signal !== undefined) {
      const signal = task.signal
      task.onAbort = () => dropQueued(task, signal.reason)
      signal.addEventListener('abort', task.onAbort, { once: true })
    }
  }

  /** Takes a task out of the queue (lazily: it is skipped when reached). */
  function unqueue(task: Task): void {
    task.queued = false
    queued -= 1
    clearTimeout(task.timer)
    task.timer = undefined
    if (task.onAbort !== undefined) task.signal?.removeEventListener('abort', task.onAbort)
    task.onAbort = undefined
  }

  function dropQueued(task: Task, reason: unknown): void {
    if (!task.queued) return
    unqueue(task)
    task.reject(reason)
    wakeDrainWaiters()
  }

  function nextQueued(): Task | undefined {
    while (queueHead < queue.length) {
      const task = queue[queueHead] as Task
      queue[queueHead++] = undefined as unknown as Task
      if (queueHead > 1024 && queueHead * 2 > queue.length) {
        queue.splice(0, queueHead)
        queueHead = 0
      }
      if (task.queued) return task
    }
    return undefined
  }

  // ---- dispatch ----

  function load(member: Member): number {
    return member.active + member.worker.peer.caller.table.lingering.size
  }

  function alive(member: Member): boolean {
    return member.worker.state === 'ready' && member.worker.handle.running()
  }

  function readyMembers(): number {
    return members.filter((member) => member.retiring === undefined && alive(member)).length
  }

  function pick(): Member | undefined {
    let best: Member | undefined
    let bestLoad = Infinity
    for (const member of members) {
      if (member.retiring !== undefined || !alive(member)) continue
      const current = load(member)
      if (current < concurrency && current < bestLoad) {
        best = member
        bestLoad = current
      }
    }
    return best
  }

  function pump(): void {
    while (queued > 0) {
      const member = pick()
      if (member === undefined) break
      const task = nextQueued()
      if (task === undefined) break
      unqueue(task)
      run(task, member)
    }
    ensureWorkers()
  }

  function run(task: Task, member: Member): void {
    let timeout = 0
    if (task.deadline !== undefined) {
      timeout = task.deadline - Date.now()
      if (timeout <= 0) {
        task.reject(withCallerStack(timeoutError(task.name, task.timeout as number), task.caller))
        return
      }
    }
    member.active += 1
    clearTimeout(member.idleTimer)
    member.idleTimer = undefined
    const procedure = (member.worker.call as unknown as Record<string, (input: unknown, options: CallOptions) => Promise<unknown>>)[task.name] as (
      input: unknown,
      options: CallOptions,
    ) => Promise<unknown>
    procedure(task.input, { signal: task.signal, timeout }).then(
      (value) => {
        guard.succeeded()
        task.resolve(value)
        settled(member)
      },
      (error: unknown) => {
        failed(task, member, error)
        settled(member)
      },
    )
  }

  function failed(task: Task, member: Member, error: unknown): void {
    if (error instanceof WorkerExitedError && task.definition.idempotent && task.attempts === 1 && !closing) {
      debug('pool: retrying idempotent call "%s" after its worker %d died', task.name, member.pid)
      task.attempts += 1
      enqueue(task, true)
      return
    }
    const cancelled = error instanceof TimeoutError || (task.signal?.aborted === true && error === task.signal.reason)
    if (cancelled && cancelGrace !== undefined) watchRunaway(member)
    if (error instanceof TimeoutError && task.timeout !== undefined && error.timeout !== task.timeout) {
      // The worker timed out the remainder; report the call's own timeout.
      task.reject(withCallerStack(timeoutError(task.name, task.timeout), task.caller))
      return
    }
    task.reject(error)
  }

  function settled(member: Member): void {
    member.active -= 1
    member.done += 1
    if (member.retiring === undefined) {
      if (member.done >= maxTasksPerWorker) retire(member, 'recycled')
      else if (member.overLimit) retire(member, 'memory')
      else armIdleTimer(member)
    }
    wakeDrainWaiters()
    pump()
  }

  // ---- workers ----

  function ensureWorkers(): void {
    if (closing) return
    const ready = readyMembers()
    const total = members.length + starting
    // While the pool drains (close() or shutdownAll()), workers start only for queued calls.
    const floor = accepting ? min : 0
    const wanted = Math.max(floor, Math.min(max, ready + Math.ceil(Math.max(0, queued - freeSlots()) / concurrency)))
    let needed = Math.min(wanted - ready - starting, max - total)
    if (needed <= 0) return
    const trip = guard.tripped
    if (trip !== undefined) {
      if (ready === 0 && starting === 0) failQueued((name) => crashLoopError(name, trip))
      return
    }
    if (guard.probing) needed = starting === 0 ? 1 : 0
    const delay = guard.delay()
    if (delay > 0) {
      retryTimer ??= setTimeout(() => {
        retryTimer = undefined
        pump()
      }, delay)
      return
    }
    for (let i = 0; i < needed; i++) spawn()
  }

  function freeSlots(): number {
    let free = 0
    for (const member of members) if (member.retiring === undefined && alive(member)) free += Math.max(0, concurrency - load(member))
    return free
  }

  function spawn(): void {
    starting += 1
    let pid = 0
    let member: Member | undefined
    const startup = forkWorker(contract, module, forkOptions, {
      memoryLimits,
      onSpawn: (spawned) => {
        pid = spawned
        events.emit('spawn', { pid })
      },
      observe: (message) => {
        if (member === undefined) return
        if (message.t === MessageType.OverLimit) {
          debug('pool: worker %d is over its memory limit (heap %d, rss %d)', member.pid, message.hb, message.rb)
          member.overLimit = true
          if (load(member) === 0) retire(member, 'memory')
        } else if (message.t === MessageType.Settled) {
          // A cancelled handler stopped: its slot is free, and the worker may be idle now.
          if (member.worker.peer.caller.table.lingering.size === 0) clearRunawayTimers(member)
          armIdleTimer(member)
          pump()
        }
      },
    }).then(
      (worker) => {
        starting -= 1
        guard.ready()
        member = {
          worker,
          pid: worker.pid,
          active: 0,
          done: 0,
          retiring: undefined,
          overLimit: false,
          idleTimer: undefined,
          runawayTimers: new Set(),
        }
        const started = member
        members.push(started)
        void worker.handle.gone.then(async (details) => onGone(started, await exitOf(started, details)))
        events.emit('ready', { pid: started.pid })
        if (closing) retire(started, 'closed')
        else armIdleTimer(started)
        pump()
      },
      (error: Error) => {
        starting -= 1
        const details = (error as { exitCode?: number | null; signal?: NodeJS.Signals | null }) ?? {}
        events.emit('exit', { pid, reason: 'startup', code: details.exitCode ?? null, signal: details.signal ?? null, error })
        const trip = guard.startFailed(error)
        if (trip !== undefined) onTrip(trip)
        else if (!closing && (queued > 0 || members.length < min)) events.emit('restart', { pid, reason: 'startup', delay: guard.delay() })
        pump()
      },
    )
    const tracked = startup.finally(() => startups.delete(tracked))
    startups.add(tracked)
  }

  function onGone(member: Member, details: ExitDetails): void {
    members.splice(members.indexOf(member), 1)
    clearTimeout(member.idleTimer)
    clearRunawayTimers(member)
    // Once the pool is closing, a worker that exits is not replaced and is no crash:
    // shutdownAll() stops the pool's workers directly, at the same time as the pool.
    const reason = member.retiring ?? (accepting ? 'crash' : 'closed')
    events.emit('exit', { pid: member.pid, reason, code: details.exitCode, signal: details.signal })
    if (reason === 'crash') {
      restarts += 1
      const trip = guard.crashed(workerExited(details))
      if (trip !== undefined) onTrip(trip)
      // Replaced only when needed (queued calls, or fewer than `min`); otherwise on demand.
      else if (queued > 0 || readyMembers() + starting < min) events.emit('restart', { pid: member.pid, reason: 'crash', delay: guard.delay() })
    }
    wakeDrainWaiters()
    pump()
  }

  /**
   * How the worker's process ended. `gone` (its channel closed, its calls rejected) can come
   * before the exit itself: a worker asked to stop disconnects first and exits a little
   * later. Waiting for the exit keeps the `exit` event's code right, and keeps a replacement
   * from starting while the old process still runs (`max`). A process that dropped its
   * channel but does not exit by itself is stopped in stages like any other.
   */
  async function exitOf(member: Member, details: ExitDetails): Promise<ExitDetails> {
    const child = member.worker.process
    if (child.exitCode === null && child.signalCode === null) {
      await Promise.all([member.worker.close(closeLimits()).catch(() => undefined), once(child, 'exit').catch(() => undefined)])
    }
    return { ...details, exitCode: child.exitCode, signal: child.signalCode }
  }

  function onTrip(trip: Trip): void {
    debug('pool: crash-loop guard tripped: %s', trip.detail)
    events.emit('crashloop', { detail: trip.detail, error: trip.error as Error })
    if (readyMembers() === 0) failQueued((name) => crashLoopError(name, trip))
  }

  function failQueued(reason: (name: string) => Error): void {
    for (let task = nextQueued(); task !== undefined; task = nextQueued()) {
      unqueue(task)
      task.reject(withCallerStack(reason(task.name), task.caller))
    }
    wakeDrainWaiters()
  }

  function retire(member: Member, reason: ExitReason): void {
    if (member.retiring !== undefined) return
    member.retiring = reason
    clearTimeout(member.idleTimer)
    debug('pool: stopping worker %d (%s)', member.pid, reason)
    member.worker.close(closeLimits()).catch((error: unknown) => debug('pool: closing worker %d failed: %o', member.pid, error))
  }

  function armIdleTimer(member: Member): void {
    if (idleTimeout === undefined || closing || load(member) > 0) return
    clearTimeout(member.idleTimer)
    member.idleTimer = setTimeout(() => {
      member.idleTimer = undefined
      if (load(member) === 0 && readyMembers() > min) retire(member, 'idle')
    }, idleTimeout)
    member.idleTimer.unref()
  }

  /** After a cancellation: kill the worker if the handler is still running `cancelGrace` ms later. */
  function watchRunaway(member: Member): void {
    const grace = cancelGrace as number
    // Not unref'd: calls queued behind the runaway handler hold nothing else that keeps the
    // process alive (the cancelled call no longer does), and a script awaiting them would
    // end with its promises unsettled. It is cleared once no cancelled handler runs.
    const timer = setTimeout(() => {
      member.runawayTimers.delete(timer)
      if (member.retiring !== undefined || !alive(member)) return
      const now = Date.now()
      for (const since of member.worker.peer.caller.table.lingering.values()) {
        if (now - since >= grace) {
          debug('pool: a cancelled handler on worker %d still runs after %d ms: killing the worker', member.pid, grace)
          member.retiring = 'runaway'
          member.worker.handle.kill()
          // close() holds the process until the killed worker is gone, so that its exit is
          // seen and the calls queued behind it get a fresh worker.
          member.worker.close({ grace: 0, killTimeout: 0 }).catch((error: unknown) => debug('pool: closing worker %d failed: %o', member.pid, error))
          return
        }
      }
    }, grace + 1)
    member.runawayTimers.add(timer)
  }

  function clearRunawayTimers(member: Member): void {
    for (const timer of member.runawayTimers) clearTimeout(timer)
    member.runawayTimers.clear()
  }

  function closeLimits(): Partial<StopOptions> {
    return { grace: options.grace, killTimeout: options.killTimeout }
  }

  function crashLoopError(name: string, trip: Trip): CrashLoopError {
    return crashLoop(name, trip.detail, trip.error)
  }

  // ---- closing ----

  function idle(): boolean {
    return queued === 0 && members.every((member) => member.active === 0)
  }

  function wakeDrainWaiters(): void {
    if (drainWaiters.length > 0 && idle()) for (const wake of drainWaiters.splice(0)) wake()
  }

  function close(limits: Partial<StopOptions> = {}): Promise<ShutdownResult[]> {
    if (closePromise !== undefined) return closePromise
    try {
      checkTimeout(limits.grace, 'close({ grace })')
      checkTimeout(limits.killTimeout, 'close({ killTimeout })')
    } catch (error) {
      return Promise.reject(error)
    }
    accepting = false
    const grace = limits.grace ?? options.grace ?? 5_000
    const started = Date.now()
    closePromise = (async () => {
      await waitAtMost(idle() ? Promise.resolve() : new Promise<void>((resolve) => drainWaiters.push(resolve)), grace)
      closing = true
      clearTimeout(retryTimer)
      failQueued((name) => new ChannelClosedError(`The pool was closed before call "${name}" could start`, { procedure: name }))
      await Promise.all(startups)
      const remaining = Math.max(0, grace - (Date.now() - started))
      const results = await Promise.all(
        [...members].map(async (member) => {
          member.retiring ??= 'closed'
          clearTimeout(member.idleTimer)
          const result = await member.worker.close({ grace: remaining, killTimeout: limits.killTimeout ?? options.killTimeout })
          return { runtime: 'process' as const, pid: member.pid, threadId: undefined, module: moduleLabel, ...result }
        }),
      )
      closed = true
      untrack()
      return results
    })()
    return closePromise
  }

  const untrack = trackPool({ close })

  const pool: Pool<C> = {
    call,
    on: (event, listener) => events.on(event, listener),
    stats: () => {
      let busy = 0
      let idleCount = 0
      let inFlight = 0
      for (const member of members) {
        inFlight += member.active
        if (member.retiring !== undefined || !alive(member)) continue
        if (load(member) > 0) busy += 1
        else idleCount += 1
      }
      const state: PoolState = closed ? 'closed' : !accepting ? 'closing' : guard.tripped !== undefined || guard.probing ? 'crash-loop' : 'running'
      return { state, workers: members.length, starting, busy, idle: idleCount, queued, inFlight, restarts }
    },
    close,
    async [Symbol.asyncDispose]() {
      await close()
    },
  }
  queueMicrotask(pump) // start `min` workers
  return pool
}

interface PoolSettings {
  min: number
  max: number
  concurrency: number
  maxQueue: number
  idleTimeout: number | undefined
  maxTasksPerWorker: number
  cancelGrace: number | undefined
}

function checkPoolOptions(options: PoolOptions): PoolSettings {
  if (typeof options !== 'object' || options === null) throw new TypeError('createPool(contract, module, options): options must be an object')
  const count = (key: 'min' | 'max' | 'concurrency' | 'maxQueue' | 'maxTasksPerWorker', fallback: number, least: number): number => {
    const value = options[key] ?? fallback
    if (typeof value !== 'number' || Number.isNaN(value) || value < least || (value !== Infinity && !Number.isInteger(value))) {
      throw new TypeError(`createPool(): ${key} must be an integer of at least ${least}, got ${String(options[key])}`)
    }
    return value
  }
  const max = count('max', availableParallelism(), 1)
  const min = count('min', 0, 0)
  if (min > max) throw new TypeError(`createPool(): min (${min}) is more than max (${max})`)
  for (const key of ['maxHeapBytes', 'maxRssBytes'] as const) {
    const value = options[key]
    if (value !== undefined && (typeof value !== 'number' || !(value > 0))) throw new TypeError(`createPool(): ${key} must be a positive number of bytes, got ${String(value)}`)
  }
  for (const key of ['timeout', 'startupTimeout', 'grace', 'killTimeout', 'idleTimeout', 'cancelGrace'] as const) checkTimeout(options[key], `createPool(): ${key}`)
  checkCrashGuardOptions(options, 'createPool()')
  const idleTimeout = options.idleTimeout ?? DEFAULT_IDLE_TIMEOUT
  return {
    min,
    max,
    concurrency: count('concurrency', 1, 1),
    maxQueue: count('maxQueue', Infinity, 0),
    idleTimeout: idleTimeout === 0 || idleTimeout > MAX_TIMER_MS ? undefined : idleTimeout,
    maxTasksPerWorker: count('maxTasksPerWorker', Infinity, 1),
    cancelGrace: options.cancelGrace === undefined || options.cancelGrace > MAX_TIMER_MS ? undefined : options.cancelGrace,
  }
}
