/**
 * `mockWorker`: a typed stand-in for a forked worker, for testing the parent's code
 * without a process. Implemented procedures run in memory through the real codec (what
 * would not survive the channel fails here too), with the same timeouts and cancellation
 * as `fork()`; the others reject with NotImplementedError. Every call is recorded.
 */
import {
  AbortError,
  ChannelClosedError,
  DEFAULT_GRACE_MS,
  DEFAULT_KILL_TIMEOUT_MS,
  type AnyDeclaration,
  type CallOptions,
  type CloseOptions,
  type Contract,
  type ExitResult,
  type Handler,
  type Handlers,
  type HostHandlers,
  type ProcedureCall,
  type RpcWorker,
  type Serialization,
  type StreamProcedure,
} from '@forkrpc/core'
import type { ChildProcess } from 'node:child_process'
import { hostNotImplemented, NotImplementedError, notImplemented } from './errors.js'
import { checkHostOption } from './host-check.js'
import type { Faults, SimulatedExit } from './faults.js'
import { linkInMemory } from './test-pair.js'

/**
 * The input of a recorded call of procedure `P`, as the caller passed it (an input stream's:
 * its iterable).
 *
 * @example
 * ```ts
 * const input: RecordedInput<typeof math.procedures.add> = { a: 1, b: 2 }
 * ```
 */
export type RecordedInput<P> = Parameters<ProcedureCall<P>>[0]

/**
 * What a recorded call of procedure `P` resolves with: its output; a stream's, the chunks its
 * consumer took.
 *
 * @example
 * ```ts
 * const lines: RecordedOutput<typeof files.procedures.lines> = ['line 1', 'line 2'] // a stream of strings
 * ```
 */
export type RecordedOutput<P> = P extends StreamProcedure<unknown, infer K> ? K[] : Awaited<ReturnType<ProcedureCall<P>>>

/**
 * How a recorded call ended, or that it has not yet.
 *
 * @example
 * ```ts
 * const outcome: CallOutcome<number> = { status: 'resolved', value: 3 }
 * ```
 */
export type CallOutcome<O> = { status: 'pending' } | { status: 'resolved'; value: O } | { status: 'rejected'; error: unknown }

/**
 * One recorded call of a mock worker: the procedure, the input and options as the caller
 * passed them, and the outcome (updated when the call settles; for a stream, when its
 * iteration ends, resolved with the chunks the consumer took).
 *
 * @example
 * ```ts
 * const [first] = worker.calls
 * if (first?.procedure === 'add') console.log(first.input.a, first.outcome)
 * ```
 */
export type RecordedCall<C extends Contract> = {
  [K in keyof C['procedures'] & string]: {
    readonly procedure: K
    readonly input: RecordedInput<C['procedures'][K]>
    readonly options: CallOptions | undefined
    readonly outcome: CallOutcome<RecordedOutput<C['procedures'][K]>>
  }
}[keyof C['procedures'] & string]

/**
 * Options of {@link mockWorker}.
 *
 * @example
 * ```ts
 * mockWorker(math, handlers, { timeout: 100, serialization: 'advanced' })
 * ```
 */
export interface MockWorkerOptions<C extends Contract = Contract> {
  /**
   * Handlers of the contract's host procedures, which the mock's handlers reach through
   * `ctx.host` (the ones `fork()` would be given). Those left out reject with NotImplementedError.
   */
  host?: Partial<HostHandlers<C>>
  /** The channel's serialization, as in `fork()`. Default `json`. */
  serialization?: Serialization | undefined
  /** Default timeout of every call in milliseconds, as in `fork()`. */
  timeout?: number | undefined
  /** How long `close()` lets calls in flight finish, as in `fork()`. Default 5,000 ms. */
  grace?: number | undefined
  /** How long `close()` then lets aborted handlers settle before it gives up on them, as in `fork()`. Default 5,000 ms. */
  killTimeout?: number | undefined
}

/**
 * A stand-in for `RpcWorker` (of `@forkrpc/core`): usable wherever one is expected, with a record of
 * its calls and the test pair's fault injection.
 *
 * @example
 * ```ts
 * const worker: RpcWorker<typeof math> = mockWorker(math, { add: ({ a, b }) => a + b })
 * ```
 */
export interface MockWorker<C extends Contract> extends RpcWorker<C> {
  /**
   * A pid no process has (beyond the kernel's limit), so that code which logs it works
   * and code which signals it hits nothing.
   */
  readonly pid: number
  /** Throws NotImplementedError: a mock worker has no child process. */
  readonly process: ChildProcess
  /** Every call so far, in the order made. */
  readonly calls: ReadonlyArray<RecordedCall<C>>
  /** The calls of one procedure, in the order made. */
  callsTo<K extends keyof C['procedures'] & string>(procedure: K): Array<Extract<RecordedCall<C>, { procedure: K }>>
  /** Injects faults as on a test pair: `worker.faults.exit({ signal: 'SIGKILL' })` and so on. */
  readonly faults: Faults
}

/** Far beyond any kernel's pid limit (Linux allows at most 2^22). */
const FIRST_FAKE_PID = 2_000_000_000
let fakePids = 0

/**
 * Creates a typed stand-in for a forked worker. Procedures without a handler reject with
 * NotImplementedError (a stream's first `next()` does). `close()` behaves like a worker's:
 * later calls reject with ChannelClosedError; calls in flight get `grace` ms; then, as
 * serve() does on SIGTERM, their handlers' `ctx.signal` aborts (AbortError) and the calls
 * settle with what the handlers do (`code: 0`); handlers that ignore the signal are given up
 * on after `killTimeout` ms, like a worker that had to be SIGKILLed (`forced: true`).
 *
 * @example
 * ```ts
 * import { mockWorker } from '@forkrpc/testing'
 * const worker = mockWorker(math, { add: ({ a, b }) => a + b })
 * const service = new Calculator(worker) // your code, which expects an RpcWorker
 * expect(await service.sum([1, 2, 3])).toBe(6)
 * expect(worker.callsTo('add').map((call) => call.input)).toEqual([{ a: 0, b: 1 }, { a: 1, b: 2 }, { a: 3, b: 3 }])
 * ```
 */
export function mockWorker<C extends Contract>(contract: C, handlers: Partial<Handlers<C>>, options: MockWorkerOptions<C> = {}): MockWorker<C> {
  if (typeof handlers !== 'object' || handlers === null) throw new TypeError('mockWorker(contract, handlers): handlers must be an object')
  const given = handlers as Record<string, Handler<never> | undefined>
  const unknown = Object.keys(given).filter((name) => !contract.names.includes(name))
  if (unknown.length > 0) throw new TypeError(`mockWorker(contract, handlers): handlers for procedures not in the contract: ${unknown.map((n) => `"${n}"`).join(', ')}`)
  const full = Object.fromEntries(contract.names.map((name) => [name, given[name] ?? missingHandler(name, contract.procedures[name] as AnyDeclaration)]))
  const host = hostHandlers(contract, options.host)
  const { pair, router } = linkInMemory(contract, full as unknown as Handlers<C>, { serialization: options.serialization, timeout: options.timeout, host: host as HostHandlers<C> })
  const state: MockState = { recorded: [], inFlight: new Set(), exit: undefined, closing: undefined }
  const call = recordingCalls(contract, pair.call as unknown as Record<string, Forward>, given, state)
  const faults: Faults = {
    ...pair.faults,
    exit(how: SimulatedExit) {
      pair.faults.exit(how)
      state.exit ??= { code: how.exitCode ?? null, signal: how.signal ?? null, forced: false }
    },
    disconnect() {
      pair.faults.disconnect()
      state.exit ??= { code: 0, signal: null, forced: false }
    },
  }
  const defaults = { grace: options.grace ?? DEFAULT_GRACE_MS, killTimeout: options.killTimeout ?? DEFAULT_KILL_TIMEOUT_MS }
  const stop = async (limits: { grace: number; killTimeout: number }): Promise<ExitResult> => {
    if (state.exit === undefined) await settled(state, limits.grace)
    if (state.exit === undefined && state.inFlight.size > 0) {
      router.abortAll((procedure) => new AbortError(`The worker is shutting down (SIGTERM); call "${procedure}" was aborted`, { procedure }))
      await settled(state, limits.killTimeout)
      if (state.inFlight.size > 0) {
        pair.faults.exit({ signal: 'SIGKILL' })
        state.exit = { code: null, signal: 'SIGKILL', forced: true }
      }
    }
    state.exit ??= { code: 0, signal: null, forced: false }
    await pair.close()
    return state.exit
  }
  const worker: MockWorker<C> = {
    call: call as MockWorker<C>['call'],
    on: pair.on,
    events: pair.events,
    notify: pair.notify,
    pid: FIRST_FAKE_PID + fakePids++,
    inspectorUrl: undefined,
    get process(): ChildProcess {
      throw new NotImplementedError('mockWorker(): a mock worker has no child process')
    },
    get calls() {
      return state.recorded as unknown as ReadonlyArray<RecordedCall<C>>
    },
    callsTo(procedure) {
      return state.recorded.filter((record) => record.procedure === procedure) as never
    },
    faults,
    close(closeOptions: CloseOptions = {}) {
      if (state.closing === undefined) {
        if (typeof closeOptions !== 'object' || closeOptions === null) return Promise.reject(new TypeError(`close(): options must be an object, got ${closeOptions === null ? 'null' : typeof closeOptions}`))
        const limits = { grace: closeOptions.grace ?? defaults.grace, killTimeout: closeOptions.killTimeout ?? defaults.killTimeout }
        for (const [key, value] of Object.entries(limits)) {
          if (typeof value !== 'number' || !(value >= 0)) return Promise.reject(new TypeError(`close({ ${key} }): expected a number of milliseconds >= 0, got ${String(value)}`))
        }
        state.closing = stop(limits)
      }
      return state.closing
    },
    async [Symbol.asyncDispose]() {
      await worker.close()
    },
  }
  return worker
}

/** What the mock keeps: the record, the calls in flight, and how it ended. */
interface MockState {
  readonly recorded: Array<RecordedCall<Contract>>
  readonly inFlight: Set<Promise<unknown>>
  exit: ExitResult | undefined
  closing: Promise<ExitResult> | undefined
}

type Forward = (input?: unknown, options?: unknown) => unknown
type Outcome = CallOutcome<unknown>

/** The handler of a procedure the mock was given none for: rejects (a stream: throws on its first chunk). */
function missingHandler(name: string, declared: AnyDeclaration): unknown {
  if (declared.kind === 'stream') {
    return async function* () {
      yield* []
      throw notImplemented(name)
    }
  }
  return () => Promise.reject(notImplemented(name))
}

/** The host handlers given, and one rejecting with NotImplementedError for each host procedure left out. */
function hostHandlers(contract: Contract, given: object | undefined): Record<string, unknown> | undefined {
  checkHostOption(contract, given, 'mockWorker(contract, handlers, { host })', true)
  const host = (given ?? {}) as Record<string, unknown>
  const names = Object.keys(contract.host)
  if (names.length === 0) return undefined
  return Object.fromEntries(names.map((name) => [name, host[name] ?? (() => Promise.reject(hostNotImplemented(name)))]))
}

/** The mock's `call`: the test pair's, recording every call and its outcome. */
function recordingCalls(contract: Contract, forwards: Record<string, Forward>, given: Record<string, unknown>, state: MockState): Record<string, Forward> {
  const call = Object.create(null) as Record<string, Forward>
  for (const name of contract.names) {
    const forward = forwards[name] as Forward
    const isStream = (contract.procedures[name] as AnyDeclaration).kind === 'stream'
    const recordingCall = (input?: unknown, callOptions?: unknown): unknown => {
      const record = { procedure: name, input, options: callOptions as CallOptions | undefined, outcome: { status: 'pending' } as Outcome }
      state.recorded.push(record as RecordedCall<Contract>)
      if (isStream) {
        const refusal =
          state.closing !== undefined
            ? new ChannelClosedError(`The worker was closed; call "${name}" was not sent`, { procedure: name })
            : given[name] === undefined && state.exit === undefined
              ? notImplemented(name)
              : undefined
        return recordStream(record, state, forward(input, callOptions) as AsyncIterableIterator<unknown>, refusal)
      }
      const result =
        state.closing !== undefined
          ? Promise.reject(new ChannelClosedError(`The worker was closed; call "${name}" was not sent`, { procedure: name }))
          : given[name] === undefined && state.exit === undefined
            ? Promise.reject(notImplemented(name))
            : (forward(input, callOptions) as Promise<unknown>)
      track(record, state, result)
      return result
    }
    Object.defineProperty(recordingCall, 'name', { value: name })
    Object.defineProperty(call, name, { value: recordingCall, enumerable: true })
  }
  return Object.freeze(call)
}

function track(record: { outcome: Outcome }, state: MockState, result: Promise<unknown>): void {
  state.inFlight.add(result)
  result.then(
    (value) => {
      record.outcome = { status: 'resolved', value }
      state.inFlight.delete(result)
    },
    (error: unknown) => {
      record.outcome = { status: 'rejected', error }
      state.inFlight.delete(result)
    },
  )
}

/** A stream's iterator that records the chunks its consumer takes, and how the iteration ended. */
function recordStream(record: { outcome: Outcome }, state: MockState, iterator: AsyncIterableIterator<unknown>, refusal: Error | undefined): AsyncIterableIterator<unknown> {
  const chunks: unknown[] = []
  let finish: ((error?: unknown) => void) | undefined
  const done = new Promise<unknown>((resolve, reject) => (finish = (error) => (error === undefined ? resolve(chunks) : reject(error))))
  track(record, state, done)
  const end = (error?: unknown): void => {
    finish?.(error)
    finish = undefined
  }
  const recording: AsyncIterableIterator<unknown> = {
    [Symbol.asyncIterator]: () => recording,
    async next() {
      if (refusal !== undefined) {
        end(refusal)
        throw refusal
      }
      try {
        const step = await iterator.next()
        if (step.done === true) end()
        else chunks.push(step.value)
        return step
      } catch (error) {
        end(error)
        throw error
      }
    },
    async return() {
      end()
      return (await iterator.return?.()) ?? { done: true, value: undefined }
    },
  }
  return recording
}

/** Waits until no call is in flight, or `ms` have passed. */
async function settled(state: MockState, ms: number): Promise<void> {
  if (state.inFlight.size === 0 || ms <= 0) return
  let timer: NodeJS.Timeout | undefined
  await Promise.race([Promise.allSettled([...state.inFlight]), new Promise((resolve) => (timer = setTimeout(resolve, ms)))])
  clearTimeout(timer)
}
