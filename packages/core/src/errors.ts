/**
 * The errors forkrpc itself raises. Each is an exported class with a stable `code`, so
 * callers can branch on `instanceof` or on `err.code`. They cross the channel like any
 * other error and come back as instances of the same class.
 */
import type { StandardSchemaV1 } from './standard-schema.js'

/**
 * Base class of every error that forkrpc raises.
 *
 * @example
 * ```ts
 * try { await worker.call.add({ a: 1, b: 2 }) }
 * catch (err) { if (err instanceof ForkRpcError) console.error(err.code) }
 * ```
 */
export class ForkRpcError extends Error {
  /** A stable, machine-readable code such as `ERR_FORKRPC_TIMEOUT`. */
  readonly code: string = 'ERR_FORKRPC'
  /** The procedure the error is about, when there is one. */
  readonly procedure: string | undefined

  constructor(message: string, options?: { cause?: unknown; procedure?: string | undefined }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause })
    this.procedure = options?.procedure
  }

  override get name(): string {
    return this.constructor.name
  }
}

/**
 * A call did not settle within its timeout. The handler's `ctx.signal` in the child
 * is aborted with a TimeoutError as its reason.
 *
 * @example
 * ```ts
 * await worker.call.slow(5_000, { timeout: 100 }).catch((err) => {
 *   if (err instanceof TimeoutError) console.log(`${err.procedure} took over ${err.timeout} ms`)
 * })
 * ```
 */
export class TimeoutError extends ForkRpcError {
  override readonly code = 'ERR_FORKRPC_TIMEOUT'
  /** The limit that was exceeded, in milliseconds. */
  readonly timeout: number

  constructor(procedure: string, timeout: number) {
    super(`Call "${procedure}" timed out after ${timeout} ms`, { procedure })
    this.timeout = timeout
  }
}

/**
 * The reason a handler's `ctx.signal` aborts when the parent cancelled the call with
 * its AbortSignal, or when the worker shuts down. (In the parent, an aborted call
 * rejects with the AbortSignal's own reason.)
 *
 * @example
 * ```ts
 * serve(contract, {
 *   async slow(ms, { signal }) {
 *     signal.addEventListener('abort', () => console.log(signal.reason instanceof AbortError))
 *   },
 * })
 * ```
 */
export class AbortError extends ForkRpcError {
  override readonly code = 'ERR_FORKRPC_ABORTED'

  constructor(procedure: string | undefined, message = `Call "${procedure}" was cancelled by the caller`) {
    super(message, { procedure })
  }
}

/**
 * What is known about how a worker process ended.
 *
 * @example
 * ```ts
 * const details: ExitDetails = { exitCode: null, signal: 'SIGKILL', pid: 1234 }
 * ```
 */
export interface ExitDetails {
  /** The exit code, or null when the process was ended by a signal. */
  exitCode: number | null
  /** The signal that ended the process, such as `SIGKILL`, or null. */
  signal: NodeJS.Signals | null
  /** The child's pid, when it was started. */
  pid?: number | undefined
  /** The last lines the child wrote to stderr, when forkrpc could read them. */
  stderr?: string | undefined
}

/**
 * The worker process exited or its IPC channel disconnected while a call was in flight,
 * or a call was made to a worker that had already exited.
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
  override readonly code = 'ERR_FORKRPC_WORKER_EXITED'
  readonly exitCode: number | null
  readonly signal: NodeJS.Signals | null
  readonly pid: number | undefined
  readonly stderr: string | undefined

  constructor(details: ExitDetails, procedure?: string, inFlight = true) {
    const call = procedure === undefined ? '' : inFlight ? ` before call "${procedure}" returned` : `; call "${procedure}" was not sent`
    super(`${describeExit(details)}${call}${stderrSection(details.stderr)}`, { procedure })
    this.exitCode = details.exitCode
    this.signal = details.signal
    this.pid = details.pid
    this.stderr = details.stderr
  }
}

/**
 * The worker was closed with `close()` (or disposed): it takes no new calls.
 *
 * @example
 * ```ts
 * await worker.close()
 * await worker.call.add({ a: 1, b: 2 }).catch((err) => err instanceof ChannelClosedError) // true
 * ```
 */
export class ChannelClosedError extends ForkRpcError {
  override readonly code = 'ERR_FORKRPC_CHANNEL_CLOSED'

  constructor(procedure?: string, message = `The worker was closed; call "${procedure}" was not sent`) {
    super(message, { procedure })
  }
}

/**
 * The child does not serve the requested procedure (a skewed contract, or a raw message
 * naming something that is not in the contract).
 *
 * @example
 * ```ts
 * if (err instanceof UnknownProcedureError) console.log(`no handler for ${err.procedure}`)
 * ```
 */
export class UnknownProcedureError extends ForkRpcError {
  override readonly code = 'ERR_FORKRPC_UNKNOWN_PROCEDURE'

  constructor(procedure: string) {
    super(`The worker does not serve a procedure named ${JSON.stringify(procedure)}`, { procedure })
  }
}

/**
 * A value failed its Standard Schema: the input (checked in the parent before sending and
 * again in the child) or the output (checked in the child).
 *
 * @example
 * ```ts
 * if (err instanceof ValidationError) for (const issue of err.issues) console.log(issue.path, issue.message)
 * ```
 */
export class ValidationError extends ForkRpcError {
  override readonly code = 'ERR_FORKRPC_VALIDATION'
  /** Whether the procedure's input or its output was invalid. */
  readonly direction: 'input' | 'output'
  /** The issues the schema reported (message and path of each). */
  readonly issues: ReadonlyArray<{ message: string; path?: ReadonlyArray<PropertyKey> | undefined }>

  constructor(procedure: string, direction: 'input' | 'output', issues: ReadonlyArray<StandardSchemaV1.Issue>) {
    const plain = issues.map((issue) => ({ message: String(issue.message), path: issue.path?.map(pathKey) }))
    const summary = plain.map((issue) => `${issue.path?.length ? `${issue.path.map(String).join('.')}: ` : ''}${issue.message}`).join('; ')
    super(`Invalid ${direction} for "${procedure}": ${summary}`, { procedure })
    this.direction = direction
    this.issues = plain
  }
}

/**
 * A value could not be encoded for, or decoded from, the IPC channel: a function, a
 * symbol, a cycle on the `json` channel, or a malformed encoded payload. Only the one call
 * fails; the worker lives on.
 *
 * @example
 * ```ts
 * await worker.call.echo({ fn: () => 1 }).catch((err) => console.log(err.code)) // ERR_FORKRPC_SERIALIZATION
 * ```
 */
export class SerializationError extends ForkRpcError {
  override readonly code = 'ERR_FORKRPC_SERIALIZATION'
}

/**
 * The child serves a different contract, or speaks another protocol version, than the
 * parent expects. The child is stopped and `fork()` rejects with this error.
 *
 * @example
 * ```ts
 * if (err instanceof ContractMismatchError) console.log(err.missing, err.unexpected)
 * ```
 */
export class ContractMismatchError extends ForkRpcError {
  override readonly code = 'ERR_FORKRPC_CONTRACT_MISMATCH'
  /** Procedures the parent expects but the child does not serve. */
  readonly missing: readonly string[]
  /** Procedures the child serves that the parent's contract does not have. */
  readonly unexpected: readonly string[]

  constructor(message: string, missing: readonly string[] = [], unexpected: readonly string[] = []) {
    super(message)
    this.missing = missing
    this.unexpected = unexpected
  }
}

/**
 * The worker did not become ready: its module is missing, threw while loading, exited,
 * or did not call `serve()` within `startupTimeout`. No process is left behind.
 *
 * @example
 * ```ts
 * try { await fork(contract, './missing.js') }
 * catch (err) { if (err instanceof StartupError) console.log(err.exitCode, err.stderr) }
 * ```
 */
export class StartupError extends ForkRpcError {
  override readonly code = 'ERR_FORKRPC_STARTUP'
  readonly exitCode: number | null
  readonly signal: NodeJS.Signals | null
  readonly stderr: string | undefined
  /** The worker module that failed to start. */
  readonly module: string

  constructor(module: string, reason: string, details: ExitDetails, cause?: unknown) {
    super(`Worker ${module} failed to start: ${reason}${stderrSection(details.stderr)}`, { cause })
    this.module = module
    this.exitCode = details.exitCode
    this.signal = details.signal
    this.stderr = details.stderr
  }
}

/**
 * A pool's queue of waiting calls is full (`maxQueue`): the call was not queued. Retry
 * later, shed the load, or raise `maxQueue` / `max`.
 *
 * @example
 * ```ts
 * await pool.call.resize(image).catch((err) => {
 *   if (err instanceof QueueFullError) return reply503()
 *   throw err
 * })
 * ```
 */
export class QueueFullError extends ForkRpcError {
  override readonly code = 'ERR_FORKRPC_QUEUE_FULL'
  /** The queue's limit. */
  readonly maxQueue: number

  constructor(procedure: string, maxQueue: number) {
    super(`Call "${procedure}" was refused: the pool's queue is full (maxQueue: ${maxQueue}); retry later, or raise maxQueue or max`, { procedure })
    this.maxQueue = maxQueue
  }
}

/**
 * A pool stopped starting workers because they kept dying (at startup, or too often in
 * its restart window), and no worker is left to take the call. `cause` is the last
 * failure. The pool tries one worker again once `restartWindow` has passed.
 *
 * @example
 * ```ts
 * pool.on('crashloop', ({ error }) => alert(`workers keep dying: ${error.message}`))
 * await pool.call.parse(text).catch((err) => err instanceof CrashLoopError && console.error(err.cause))
 * ```
 */
export class CrashLoopError extends ForkRpcError {
  override readonly code = 'ERR_FORKRPC_CRASH_LOOP'

  constructor(procedure: string | undefined, detail: string, cause: unknown) {
    super(`${procedure === undefined ? 'The pool' : `Call "${procedure}" failed: the pool`} stopped starting workers because ${detail}; see the cause for the last failure`, { procedure, cause })
  }
}

/** The library's error classes, by name, so that they come back as themselves. */
export const libraryErrors: ReadonlyMap<string, abstract new (...args: never[]) => Error> = new Map<string, abstract new (...args: never[]) => Error>([
  ['ForkRpcError', ForkRpcError],
  ['TimeoutError', TimeoutError],
  ['AbortError', AbortError],
  ['WorkerExitedError', WorkerExitedError],
  ['ChannelClosedError', ChannelClosedError],
  ['UnknownProcedureError', UnknownProcedureError],
  ['ValidationError', ValidationError],
  ['SerializationError', SerializationError],
  ['ContractMismatchError', ContractMismatchError],
  ['StartupError', StartupError],
  ['QueueFullError', QueueFullError],
  ['CrashLoopError', CrashLoopError],
])

function describeExit({ exitCode, signal, pid }: ExitDetails): string {
  const who = pid === undefined ? 'The worker' : `Worker ${pid}`
  if (signal) return `${who} was killed by ${signal}`
  if (exitCode !== null) return `${who} exited with code ${exitCode}`
  return `${who} disconnected`
}

function stderrSection(stderr: string | undefined): string {
  return stderr ? `\n--- last lines of the worker's stderr ---\n${stderr.trimEnd()}` : ''
}

function pathKey(segment: PropertyKey | StandardSchemaV1.PathSegment): PropertyKey {
  return typeof segment === 'object' ? segment.key : segment
}
