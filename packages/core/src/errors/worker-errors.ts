/**
 * Errors about a worker as a whole: it exited, it was closed, it did not start, or it
 * serves another contract.
 */
import { ForkRpcError, type ForkRpcErrorOptions } from './forkrpc-error.js'

/**
 * What is known about how a worker ended.
 *
 * @example
 * ```ts
 * const details: ExitDetails = { exitCode: null, signal: 'SIGKILL', pid: 1234 }
 * ```
 */
export interface ExitDetails {
  /** The exit code, or null when the worker was ended by a signal (or only disconnected). */
  exitCode: number | null
  /** The signal that ended the process, such as `SIGKILL`, or null. */
  signal: NodeJS.Signals | null
  /** The process's pid, when it was started. */
  pid?: number | undefined
  /** The last lines the worker wrote to stderr (a thread: its uncaught error's stack). */
  stderr?: string | undefined
  /**
   * The worker ran out of memory: V8 aborted a process over its heap limit (its stderr said
   * "JavaScript heap out of memory"), or a thread went over its `resourceLimits`.
   */
  outOfMemory?: boolean | undefined
}

/**
 * Options of {@link WorkerExitedError}: how the worker ended, all optional.
 *
 * @example
 * ```ts
 * new WorkerExitedError('the worker crashed', { exitCode: 1, stderr: 'FATAL' })
 * ```
 */
export interface WorkerExitedErrorOptions extends ForkRpcErrorOptions, Partial<ExitDetails> {}

/**
 * The worker exited or its channel disconnected while a call was in flight, or a call was
 * made to a worker that had already exited.
 *
 * @example
 * ```ts
 * try { await worker.call.crunch(data) }
 * catch (err) {
 *   if (err instanceof WorkerExitedError) console.log(err.exitCode, err.signal, err.stderr)
 * }
 * ```
 */
export class WorkerExitedError extends ForkRpcError {
  /** `ERR_FORKRPC_WORKER_EXITED`, or the code of a subclass: `ERR_FORKRPC_WORKER_UNRESPONSIVE`, `ERR_FORKRPC_WORKER_OUT_OF_MEMORY`. */
  override readonly code: 'ERR_FORKRPC_WORKER_EXITED' | 'ERR_FORKRPC_WORKER_UNRESPONSIVE' | 'ERR_FORKRPC_WORKER_OUT_OF_MEMORY' = 'ERR_FORKRPC_WORKER_EXITED'
  /** The exit code, or null when a signal ended the worker (or it only disconnected). */
  readonly exitCode: number | null
  /** The signal that ended the worker, or null. */
  readonly signal: NodeJS.Signals | null
  /** The worker process's pid, when known. */
  readonly pid: number | undefined
  /** The last lines the worker wrote to stderr, when forkrpc could read them. */
  readonly stderr: string | undefined

  constructor(message = 'The worker exited', options: WorkerExitedErrorOptions = {}) {
    super(message, options)
    this.exitCode = options.exitCode ?? null
    this.signal = options.signal ?? null
    this.pid = options.pid
    this.stderr = options.stderr
  }
}

/**
 * The WorkerExitedError of a call of `procedure` (if any) on a worker that ended as
 * `details` says (a WorkerOutOfMemoryError when it ran out of memory): `inFlight` when the
 * call had been sent, false when it was made afterwards.
 * A channel of one's own rejects calls with it when its worker dies, as `fork()` does.
 *
 * @example
 * ```ts
 * worker.once('exit', (exitCode) => closing.close((procedure, inFlight) => workerExited({ exitCode, signal: null }, procedure, inFlight)))
 * ```
 */
export function workerExited(details: ExitDetails, procedure?: string, inFlight = true): WorkerExitedError {
  const call = procedure === undefined ? '' : inFlight ? ` before call "${procedure}" returned` : `; call "${procedure}" was not sent`
  const message = `${describeExit(details)}${call}${stderrSection(details.stderr)}`
  return details.outOfMemory === true ? new WorkerOutOfMemoryError(message, { ...details, procedure }) : new WorkerExitedError(message, { ...details, procedure })
}

/**
 * The worker was closed with `close()` (or disposed), or the channel was closed by its owner:
 * it takes no new calls.
 *
 * @example
 * ```ts
 * await worker.close()
 * await worker.call.add({ a: 1, b: 2 }).catch((err) => err instanceof ChannelClosedError) // true
 * ```
 */
export class ChannelClosedError extends ForkRpcError {
  /** The stable code of this error, the same whatever its message (for a `switch` or a log query). */
  override readonly code = 'ERR_FORKRPC_CHANNEL_CLOSED'

  constructor(message = 'The channel is closed', options: ForkRpcErrorOptions = {}) {
    super(message, options)
  }
}

/** The ChannelClosedError of a call of `procedure` made after `close()`. */
export function workerClosed(procedure: string | undefined): ChannelClosedError {
  return new ChannelClosedError(`The worker was closed; call "${procedure}" was not sent`, { procedure })
}

/**
 * Options of {@link StartupError}.
 *
 * @example
 * ```ts
 * new StartupError('it never got ready', { module: '/app/worker.js', exitCode: 1 })
 * ```
 */
export interface StartupErrorOptions extends ForkRpcErrorOptions, Partial<ExitDetails> {
  /** The worker module that failed to start. */
  module?: string | undefined
}

/**
 * The worker did not become ready: its module is missing, threw while loading, exited, or
 * did not call `serve()` within `startupTimeout`. No process is left behind.
 *
 * @example
 * ```ts
 * try { await fork(contract, './missing.js') }
 * catch (err) { if (err instanceof StartupError) console.log(err.exitCode, err.stderr) }
 * ```
 */
export class StartupError extends ForkRpcError {
  /** The stable code of this error, the same whatever its message (for a `switch` or a log query). */
  override readonly code = 'ERR_FORKRPC_STARTUP'
  /** The exit code, or null (killed by a signal, or never started). */
  readonly exitCode: number | null
  /** The signal that ended the worker, or null. */
  readonly signal: NodeJS.Signals | null
  /** The last lines the worker wrote to stderr. */
  readonly stderr: string | undefined
  /** The worker module that failed to start. */
  readonly module: string | undefined
  /** The worker process's pid, when it was started. */
  readonly pid: number | undefined

  constructor(message = 'The worker failed to start', options: StartupErrorOptions = {}) {
    super(message, options)
    this.module = options.module
    this.pid = options.pid
    this.exitCode = options.exitCode ?? null
    this.signal = options.signal ?? null
    this.stderr = options.stderr
  }
}

/** The StartupError of worker `module`, which failed for `reason` and ended as `details`. */
export function startupFailed(module: string, reason: string, details: ExitDetails = { exitCode: null, signal: null }, cause?: unknown): StartupError {
  return new StartupError(`Worker ${module} failed to start: ${reason}${stderrSection(details.stderr)}`, { ...details, module, cause })
}

/**
 * Options of {@link ContractMismatchError}.
 *
 * @example
 * ```ts
 * new ContractMismatchError('wrong worker', { missing: ['add'] })
 * ```
 */
export interface ContractMismatchErrorOptions extends ForkRpcErrorOptions {
  /** Procedures the parent expects but the worker does not serve. */
  missing?: readonly string[] | undefined
  /** Procedures the worker serves that the parent's contract does not have. */
  unexpected?: readonly string[] | undefined
}

/**
 * The worker serves a different contract, or speaks another protocol version, than the
 * parent expects. The worker is stopped and `fork()` rejects with this error.
 *
 * @example
 * ```ts
 * if (err instanceof ContractMismatchError) console.log(err.missing, err.unexpected)
 * ```
 */
export class ContractMismatchError extends ForkRpcError {
  /** The stable code of this error, the same whatever its message (for a `switch` or a log query). */
  override readonly code = 'ERR_FORKRPC_CONTRACT_MISMATCH'
  /** Procedures the parent expects but the worker does not serve. */
  readonly missing: readonly string[]
  /** Procedures the worker serves that the parent's contract does not have. */
  readonly unexpected: readonly string[]

  constructor(message = 'The worker serves another contract', options: ContractMismatchErrorOptions = {}) {
    super(message, options)
    this.missing = options.missing ?? []
    this.unexpected = options.unexpected ?? []
  }
}

function describeExit({ exitCode, signal, pid, outOfMemory }: ExitDetails): string {
  const who = pid === undefined ? 'The worker' : `Worker ${pid}`
  if (outOfMemory === true) return `${who} ran out of memory (its heap limit: heapLimitMb, --max-old-space-size or resourceLimits)`
  if (signal) return `${who} was killed by ${signal}`
  if (exitCode !== null) return `${who} exited with code ${exitCode}`
  return `${who} disconnected`
}

function stderrSection(stderr: string | undefined): string {
  return stderr ? `\n--- last lines of the worker's stderr ---\n${stderr.trimEnd()}` : ''
}

/**
 * Options of {@link WorkerUnresponsiveError}.
 *
 * @example
 * ```ts
 * new WorkerUnresponsiveError('stuck', { silentFor: 5_000 })
 * ```
 */
export interface WorkerUnresponsiveErrorOptions extends WorkerExitedErrorOptions {
  /** How long the worker had been silent when it was given up on, in milliseconds. */
  silentFor?: number | undefined
}

/**
 * The worker's event loop did not answer within `unresponsiveAfter` (it was stopped with
 * SIGSTOP, deadlocked, or stuck in a synchronous loop): the worker was killed and its calls
 * reject with this error. It is a {@link WorkerExitedError} (the worker is gone; code written
 * for crashes handles it, and a pool retries idempotent calls), with its own code.
 *
 * @example
 * ```ts
 * await worker.call.render(page).catch((err) => {
 *   if (err instanceof WorkerUnresponsiveError) console.error(`silent for ${err.silentFor} ms`)
 * })
 * ```
 */
export class WorkerUnresponsiveError extends WorkerExitedError {
  /** The stable code of this error, the same whatever its message (for a `switch` or a log query). */
  override readonly code = 'ERR_FORKRPC_WORKER_UNRESPONSIVE'
  /** How long the worker had been silent when it was given up on, in milliseconds. */
  readonly silentFor: number | undefined

  constructor(message = 'The worker stopped answering', options: WorkerUnresponsiveErrorOptions = {}) {
    super(message, options)
    this.silentFor = options.silentFor
  }
}

/** The WorkerUnresponsiveError of a call of `procedure` (if any) on worker `label`, silent for `silentFor` ms. */
export function workerUnresponsive(label: string, silentFor: number, pid: number | undefined, procedure?: string): WorkerUnresponsiveError {
  const call = procedure === undefined ? '' : `; call "${procedure}" was given up on`
  return new WorkerUnresponsiveError(`Worker ${label} did not answer for ${silentFor} ms (unresponsiveAfter), so it was killed${call}`, {
    silentFor,
    pid,
    procedure,
    signal: pid === undefined ? null : 'SIGKILL',
  })
}

/**
 * The worker ran out of memory and died: a process went over its V8 heap limit
 * (`heapLimitMb`, `--max-old-space-size`) and V8 aborted it, or a thread went over its
 * `resourceLimits`. Its calls in flight reject with this error. It is a
 * {@link WorkerExitedError} (the worker is gone; a pool retries idempotent calls and replaces
 * it, with the exit reason `'out-of-memory'`), with its own code.
 *
 * @example
 * ```ts
 * await worker.call.parse(huge).catch((err) => {
 *   if (err instanceof WorkerOutOfMemoryError) console.error('the parser ran out of memory:', err.signal ?? err.exitCode)
 * })
 * ```
 */
export class WorkerOutOfMemoryError extends WorkerExitedError {
  /** The stable code of this error, the same whatever its message (for a `switch` or a log query). */
  override readonly code = 'ERR_FORKRPC_WORKER_OUT_OF_MEMORY'

  constructor(message = 'The worker ran out of memory', options: WorkerExitedErrorOptions = {}) {
    super(message, options)
  }
}
