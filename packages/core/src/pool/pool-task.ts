/**
 * One call of a pool, from `pool.call.x()` to its answer. Its timeout counts from the call,
 * queue time included (the deadline); an idempotent call is tried a second time when its
 * worker dies or stops answering (the attempts). Its state: `queued` → `running` →
 * `settled`, and `running` → `queued` once for that retry. While queued it watches its own
 * timeout and AbortSignal. It carries its routing: its priority, and its key's hash.
 */
import { AsyncResource } from 'node:async_hooks'
import { MAX_TIMER_MS } from '../base/timeouts.js'
import type { AnyDeclaration } from '../contract/define-contract.js'
import { TimeoutError, timeoutError } from '../errors/call-errors.js'
import { WorkerExitedError, WorkerUnresponsiveError } from '../errors/worker-errors.js'
import { madeHere } from '../rpc/caller-stack.js'
import { LinePlace } from '../rpc/line-place.js'
import { hashKey } from './key-owner.js'
import { DEFAULT_ROUTING } from './pool-call-options.js'
import type { TaskCall, TaskState, TaskTarget, WorkerCallOptions } from './task-call.js'

/** A pool call. */
export class PoolTask {
  readonly declaration: AnyDeclaration
  readonly name: string
  readonly input: unknown
  readonly signal: AbortSignal | undefined
  /** The call's timeout in ms (undefined: none), for the whole call: queue and run. */
  readonly timeout: number | undefined
  readonly deadline: number | undefined
  readonly idempotent: boolean
  /** Higher leaves the queue first. */
  readonly priority: number
  /** The routing key, if any, and its hash (0 without a key). */
  readonly key: string | undefined
  readonly keyHash: number
  /** Its place among the queued calls of its priority (set by the queue; lower goes first). */
  seq = 0
  /** When it was made, or put back in the queue for a retry (`performance.now()`): its wait in the queue counts from then. */
  queuedAt = performance.now()
  /** Runs on a worker so far. */
  attempts = 0
  /** When this run was sent to its worker (`performance.now()`). */
  sentAt = 0
  /** This run waits for a slot on its worker first (its line, or its channel): that worker ran `concurrency` calls already when it was sent. */
  inLine = false
  /** Its procedure's estimated run time when it was submitted, in ms (0: unknown, or a stream): the work it adds to a queue or a worker. */
  estimate = 0
  readonly #call: TaskCall
  #state: TaskState = 'queued'
  /** Its caller's async context, kept while it waits in the queue. */
  #context: AsyncResource | undefined
  #timer: NodeJS.Timeout | undefined
  #onAbort: (() => void) | undefined
  #giveUp: ((reason: unknown) => void) | undefined
  /** While it runs: its place in its worker's line (when its handler started; taking it back). Not for a stream. */
  #place: LinePlace | undefined
  /** When the pool asked for it back (`performance.now()`), for this run. */
  withdrawnAt: number | undefined

  constructor(call: TaskCall, now = Date.now()) {
    this.#call = call
    this.name = call.name
    this.declaration = call.declaration
    this.input = call.input
    this.signal = call.settings.signal
    this.timeout = call.settings.timeout
    this.deadline = this.timeout === undefined ? undefined : now + this.timeout
    this.idempotent = call.declaration.kind === 'procedure' && call.declaration.idempotent
    const routing = call.routing ?? DEFAULT_ROUTING
    this.priority = routing.priority
    this.key = routing.key
    this.keyHash = routing.key === undefined ? 0 : hashKey(routing.key)
  }

  get state(): TaskState {
    return this.#state
  }

  /**
   * While queued: calls `giveUp` with the error to fail with once the timeout runs out
   * (TimeoutError) or the signal aborts (its reason, as it is).
   */
  watch(giveUp: (reason: unknown) => void): void {
    this.#giveUp = giveUp
    if (this.deadline !== undefined) {
      const remaining = this.deadline - Date.now()
      // Beyond setTimeout's range the worker's own timer takes over once the call runs.
      if (remaining <= MAX_TIMER_MS) this.#timer = setTimeout(() => giveUp(madeHere(this.#timeoutError())), Math.max(remaining, 0))
    }
    const signal = this.signal
    if (signal !== undefined) {
      this.#onAbort = () => giveUp(signal.reason)
      signal.addEventListener('abort', this.#onAbort, { once: true })
    }
  }

  /**
   * The task is about to wait in the queue: keeps the async context it is in (its caller's),
   * so that it runs in that context when a worker takes it, not in the context of whatever
   * freed the worker. Call interceptors, tracing's among them, then see the caller's
   * AsyncLocalStorage stores whether the call waited or not. A call that runs at once pays
   * nothing for it.
   */
  keepContext(): void {
    this.#context ??= new AsyncResource('forkrpc.PoolCall')
  }

  /** Runs `work` in the context kept by `keepContext()`, or as it is if there is none. */
  inContext<R>(work: () => R): R {
    return this.#context === undefined ? work() : this.#context.runInAsyncScope(work)
  }

  /** While queued: leaves the queue at once, failed with `reason` (a stream its consumer broke off). */
  withdraw(reason: unknown): void {
    this.#giveUp?.(reason)
  }

  /** Stops watching the timeout and the signal (the task leaves the queue). */
  unwatch(): void {
    this.#giveUp = undefined
    clearTimeout(this.#timer)
    this.#timer = undefined
    if (this.#onAbort !== undefined) this.signal?.removeEventListener('abort', this.#onAbort)
    this.#onAbort = undefined
  }

  /**
   * `queued` → `running`: the options of its call on a worker, with the time left. When its
   * deadline has passed, it is settled with TimeoutError instead, and this returns undefined.
   */
  start(now = Date.now()): WorkerCallOptions | undefined {
    if (this.#state !== 'queued') return undefined
    let timeout = 0
    if (this.deadline !== undefined) {
      timeout = this.deadline - now
      if (timeout <= 0) {
        this.refuse(this.#timeoutError())
        return undefined
      }
    }
    this.#state = 'running'
    this.attempts += 1
    const { kind } = this.declaration
    const settings = this.#call.settings
    // A stream's timeout is its wait for each chunk (its wait in the queue was the first).
    if (kind === 'stream') timeout = this.timeout ?? 0
    // Only a plain call can move to another worker: a stream's or an input stream's items
    // have started to flow, and a keyed call belongs to its key's worker.
    this.#place = this.#call.runOn === undefined ? new LinePlace(kind === 'procedure' && this.key === undefined) : undefined
    this.withdrawnAt = undefined
    const options = { signal: this.signal, timeout, onProgress: settings.onProgress, credit: kind === 'procedure' ? undefined : settings.credit, place: this.#place }
    return this.#call.metadata === undefined ? options : { ...options, metadata: this.#call.metadata }
  }

  /** Asks its worker for it back, if it may move and was not asked already; true when the request went out. */
  askBack(now: number): boolean {
    if (this.#state !== 'running' || this.#place?.request() !== true) return false
    this.withdrawnAt = now
    return true
  }

  /** When its handler started after waiting for a slot on its worker, in this run (`performance.now()`, as the worker said: `go`); undefined: it did not wait, or has not started. */
  get startedAt(): number | undefined {
    return this.#place?.startedAt
  }

  /** Since when its handler runs, in this run, if it does: since it was sent, or, if it waited in its worker's line, since its worker said it started. */
  get runningSince(): number | undefined {
    return this.inLine ? this.#place?.startedAt : this.sentAt
  }

  /** Whether it may still be asked back from its worker's line. */
  get movable(): boolean {
    const place = this.#place
    return this.#state === 'running' && place !== undefined && place.movable && !place.requested && place.startedAt === undefined
  }

  /** Taken back from its worker's line before it ran: `running` → `queued`, the attempt not counted. */
  returned(): void {
    if (this.#state !== 'running') return
    this.#state = 'queued'
    this.attempts -= 1
    this.queuedAt = performance.now()
  }

  /** Runs it on `member` (started with `start()`); settles once its worker slot is free. */
  run(member: TaskTarget, options: WorkerCallOptions): Promise<unknown> {
    const runOn = this.#call.runOn
    return runOn === undefined ? member.call(this.name, this.declaration, this.input, options) : runOn(member, options)
  }

  /**
   * Whether `error` ends a run that may be tried again: its worker died or stopped
   * answering, the call is idempotent and ran once.
   */
  retriable(error: unknown): boolean {
    return (error instanceof WorkerExitedError || error instanceof WorkerUnresponsiveError) && this.idempotent && this.attempts === 1 && this.#state === 'running'
  }

  /** `running` → `queued`, to be tried again. */
  requeue(): void {
    if (this.#state !== 'running') return
    this.#state = 'queued'
    this.queuedAt = performance.now()
  }

  /** Whether `error` is the call's own cancellation (its timeout, or its signal's reason). */
  cancelledBy(error: unknown): boolean {
    return error instanceof TimeoutError || (this.signal?.aborted === true && error === this.signal.reason)
  }

  resolve(value: unknown): void {
    if (this.#settle()) this.#call.resolve(value)
  }

  /**
   * Fails with `error` as it is (its run's error, or its signal's reason); a timeout of the
   * remainder on the worker is reported as the call's own timeout.
   */
  fail(error: unknown): void {
    if (error instanceof TimeoutError && this.timeout !== undefined && error.timeout !== this.timeout) this.refuse(this.#timeoutError())
    else if (this.#settle()) this.#call.reject(error)
  }

  /** Fails with an error the pool made (queue full, timed out, closed, crash loop), given the caller's stack. */
  refuse(error: Error): void {
    if (this.#settle()) this.#call.reject(madeHere(error))
  }

  #settle(): boolean {
    if (this.#state === 'settled') return false
    this.unwatch()
    this.#state = 'settled'
    return true
  }

  #timeoutError(): TimeoutError {
    return timeoutError(this.name, this.timeout as number)
  }
}
