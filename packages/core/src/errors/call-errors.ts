/**
 * Errors about one call: it timed out, was cancelled, named nothing the worker serves, failed
 * its schema, could not be encoded, was too large, or found too many calls waiting already.
 */
import { describeCall, ForkRpcError, type ForkRpcErrorOptions } from './forkrpc-error.js'

/**
 * Options of {@link TimeoutError}.
 *
 * @example
 * ```ts
 * new TimeoutError('too slow', { procedure: 'resize', timeout: 100 })
 * ```
 */
export interface TimeoutErrorOptions extends ForkRpcErrorOptions {
  /** The limit that was exceeded, in milliseconds. */
  timeout?: number | undefined
  /** The procedure whose deadline fired, when it was not this call's own (a nested call inherits what is left of its caller's). */
  inheritedFrom?: string | undefined
}

/**
 * A call did not settle within its timeout. The handler's `ctx.signal` in the worker is
 * aborted with a TimeoutError as its reason.
 *
 * @example
 * ```ts
 * await worker.call.slow(5_000, { timeout: 100 }).catch((err) => {
 *   if (err instanceof TimeoutError) console.log(`${err.procedure} took over ${err.timeout} ms`)
 * })
 * ```
 */
export class TimeoutError extends ForkRpcError {
  /** The stable code of this error, the same whatever its message (for a `switch` or a log query). */
  override readonly code = 'ERR_FORKRPC_TIMEOUT'
  /** The limit that was exceeded, in milliseconds. */
  readonly timeout: number | undefined
  /**
   * The procedure whose deadline fired, when it was not this call's own: a call a handler makes
   * through `ctx.host` inherits what is left of the deadline of the call it handles.
   */
  readonly inheritedFrom: string | undefined

  constructor(message = 'The call timed out', options: TimeoutErrorOptions = {}) {
    super(message, options)
    this.timeout = options.timeout
    this.inheritedFrom = options.inheritedFrom
  }
}

/** The TimeoutError of a call of `procedure` that outlived `timeout` ms (its own, or the deadline it inherited from `inheritedFrom`). */
export function timeoutError(procedure: string, timeout: number, inheritedFrom?: string): TimeoutError {
  const why = inheritedFrom === undefined ? '' : ` (the deadline of call "${inheritedFrom}", which made it)`
  return new TimeoutError(`${describeCall(procedure)} timed out after ${timeout} ms${why}`, { procedure, timeout, inheritedFrom })
}

/**
 * The reason a handler's `ctx.signal` aborts when the caller cancelled the call with its
 * AbortSignal, or when the worker shuts down. (The caller's own call rejects with its
 * AbortSignal's reason.)
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
  /** The stable code of this error, the same whatever its message (for a `switch` or a log query). */
  override readonly code = 'ERR_FORKRPC_ABORTED'

  constructor(message = 'The call was cancelled', options: ForkRpcErrorOptions = {}) {
    super(message, options)
  }
}

/** The AbortError of a call of `procedure` that its caller cancelled. */
export function cancelledByCaller(procedure: string): AbortError {
  return new AbortError(`${describeCall(procedure)} was cancelled by the caller`, { procedure })
}

/**
 * The worker does not serve the requested procedure (a skewed contract, or a raw message
 * naming something that is not in the contract).
 *
 * @example
 * ```ts
 * if (err instanceof UnknownProcedureError) console.log(`no handler for ${err.procedure}`)
 * ```
 */
export class UnknownProcedureError extends ForkRpcError {
  /** The stable code of this error, the same whatever its message (for a `switch` or a log query). */
  override readonly code = 'ERR_FORKRPC_UNKNOWN_PROCEDURE'

  constructor(message = 'The worker does not serve that procedure', options: ForkRpcErrorOptions = {}) {
    super(message, options)
  }
}

/** The UnknownProcedureError for a request naming `procedure`. */
export function unknownProcedure(procedure: string): UnknownProcedureError {
  return new UnknownProcedureError(`The worker does not serve a procedure named ${JSON.stringify(procedure)}`, { procedure })
}

/**
 * One problem a schema found, as a ValidationError carries it.
 *
 * @example
 * ```ts
 * const issue: ValidationIssue = { message: 'Expected a number', path: ['n'] }
 * ```
 */
export interface ValidationIssue {
  /** What is wrong, in words. */
  readonly message: string
  /** Where in the value, when not at its root. */
  readonly path?: ReadonlyArray<PropertyKey> | undefined
}

/**
 * Options of {@link ValidationError}.
 *
 * @example
 * ```ts
 * new ValidationError('bad input', { procedure: 'fib', direction: 'input', issues: [{ message: 'Expected a number', path: ['n'] }] })
 * ```
 */
export interface ValidationErrorOptions extends ForkRpcErrorOptions {
  /** Whether the procedure's input or its output was invalid. */
  direction?: 'input' | 'output' | undefined
  /** The issues the schema reported. */
  issues?: readonly ValidationIssue[] | undefined
}

/**
 * A value failed its Standard Schema: the input (checked by the caller before sending and
 * again by the worker) or the output (checked by the worker).
 *
 * @example
 * ```ts
 * if (err instanceof ValidationError) for (const issue of err.issues) console.log(issue.path, issue.message)
 * ```
 */
export class ValidationError extends ForkRpcError {
  /** The stable code of this error, the same whatever its message (for a `switch` or a log query). */
  override readonly code = 'ERR_FORKRPC_VALIDATION'
  /** Whether the procedure's input or its output was invalid. */
  readonly direction: 'input' | 'output' | undefined
  /** The issues the schema reported (message and path of each). */
  readonly issues: readonly ValidationIssue[]

  constructor(message = 'A value failed its schema', options: ValidationErrorOptions = {}) {
    super(message, options)
    this.direction = options.direction
    this.issues = options.issues ?? []
  }
}

/** A schema's issue: its path may hold `{ key }` segments (Standard Schema), made plain here. */
export interface SchemaIssue {
  readonly message: string
  readonly path?: ReadonlyArray<PropertyKey | { readonly key: PropertyKey }> | undefined
}

/** The ValidationError of `procedure`'s input or output that failed with `issues`. */
export function validationError(procedure: string, direction: 'input' | 'output', issues: readonly SchemaIssue[]): ValidationError {
  const plain = issues.map((issue) => ({ message: String(issue.message), path: issue.path?.map((segment) => (typeof segment === 'object' ? segment.key : segment)) }))
  const summary = plain.map((issue) => `${issue.path?.length ? `${issue.path.map(String).join('.')}: ` : ''}${issue.message}`).join('; ')
  return new ValidationError(`Invalid ${direction} for "${procedure}": ${summary}`, { procedure, direction, issues: plain })
}

/**
 * A value could not be encoded for, or decoded from, the channel: a function, a symbol, a
 * cycle on the `json` channel, or a malformed encoded payload. Only the one call fails; the
 * worker lives on.
 *
 * @example
 * ```ts
 * await worker.call.echo({ fn: () => 1 }).catch((err) => console.log(err.code)) // ERR_FORKRPC_SERIALIZATION
 * ```
 */
export class SerializationError extends ForkRpcError {
  /** The stable code of this error, the same whatever its message (for a `switch` or a log query). */
  override readonly code = 'ERR_FORKRPC_SERIALIZATION'

  constructor(message = 'A value could not cross the channel', options: ForkRpcErrorOptions = {}) {
    super(message, options)
  }
}

/**
 * Options of {@link PayloadTooLargeError}.
 *
 * @example
 * ```ts
 * new PayloadTooLargeError('too big', { procedure: 'upload', role: 'input', bytes: 2_000, limit: 1_000 })
 * ```
 */
export interface PayloadTooLargeErrorOptions extends ForkRpcErrorOptions {
  /** What was too large: a call's `input`, `result`, `error`, a `chunk`, or an event's payload. */
  role?: string | undefined
  /** The encoded size of the message, in bytes. */
  bytes?: number | undefined
  /** The `maxMessageBytes` it exceeded. */
  limit?: number | undefined
}

/**
 * A message was larger than `maxMessageBytes`: a call's input, result or error, a stream's
 * chunk, an input stream's chunk, an event or a notification. What is too large to send is
 * refused before anything is sent; what is too large to accept is refused on arrival. The
 * worker lives on.
 *
 * @example
 * ```ts
 * await worker.call.upload(huge).catch((err) => {
 *   if (err instanceof PayloadTooLargeError) console.log(`${err.bytes} > ${err.limit} bytes`)
 * })
 * ```
 */
export class PayloadTooLargeError extends ForkRpcError {
  /** The stable code of this error, the same whatever its message (for a `switch` or a log query). */
  override readonly code = 'ERR_FORKRPC_PAYLOAD_TOO_LARGE'
  /** What was too large: a call's `input`, `result`, `error`, a `chunk`, or an event's payload. */
  readonly role: string | undefined
  /** The encoded size of the message, in bytes. */
  readonly bytes: number | undefined
  /** The `maxMessageBytes` it exceeded. */
  readonly limit: number | undefined

  constructor(message = 'A message was over the size limit', options: PayloadTooLargeErrorOptions = {}) {
    super(message, options)
    this.role = options.role
    this.bytes = options.bytes
    this.limit = options.limit
  }
}

/** The PayloadTooLargeError of `procedure`'s `role` ("input", "chunk", ...) of `bytes` over `limit`. */
export function payloadTooLarge(procedure: string | undefined, role: string, bytes: number, limit: number): PayloadTooLargeError {
  const what = procedure === undefined ? `The ${role}` : `The ${role} of "${procedure}"`
  return new PayloadTooLargeError(`${what} is ${bytes} bytes encoded, over the limit of ${limit} bytes (maxMessageBytes)`, { procedure, role, bytes, limit })
}

/**
 * Options of {@link TooManyPendingCallsError}.
 *
 * @example
 * ```ts
 * new TooManyPendingCallsError('busy', { procedure: 'add', limit: 10 })
 * ```
 */
export interface TooManyPendingCallsErrorOptions extends ForkRpcErrorOptions {
  /** The `maxPending` that was reached. */
  limit?: number | undefined
}

/**
 * `maxPending` was reached: a call was made while that many calls were waiting for their
 * replies (it rejects at once and nothing is sent), a request reached a worker already
 * running that many, or an `events()` iterator had that many events unread.
 *
 * @example
 * ```ts
 * await worker.call.add({ a: 1, b: 2 }).catch((err) => {
 *   if (err instanceof TooManyPendingCallsError) console.log(`over ${err.limit} calls in flight`)
 * })
 * ```
 */
export class TooManyPendingCallsError extends ForkRpcError {
  /** The stable code of this error, the same whatever its message (for a `switch` or a log query). */
  override readonly code = 'ERR_FORKRPC_TOO_MANY_PENDING'
  /** The `maxPending` that was reached. */
  readonly limit: number | undefined

  constructor(message = 'Too many calls are waiting (maxPending)', options: TooManyPendingCallsErrorOptions = {}) {
    super(message, options)
    this.limit = options.limit
  }
}

/** The TooManyPendingCallsError of a call of `procedure` refused because `limit` calls wait already. */
export function tooManyPending(procedure: string, limit: number, side: 'caller' | 'worker'): TooManyPendingCallsError {
  const why = side === 'caller' ? `${limit} calls are already waiting for their replies` : `the worker is already running ${limit} calls`
  return new TooManyPendingCallsError(`${describeCall(procedure)} was not run: ${why} (maxPending)`, { procedure, limit })
}

/**
 * The other side broke the protocol: it sent more stream chunks than the credit allowed,
 * or a reply that cannot be read (the call it concerns fails; the channel carries on); or it
 * broke the channel itself: it wrote bytes that are not a message, started a message more
 * than twice `maxMessageBytes` long, or left more than `maxPending` messages unread. Then the
 * peer is dropped (a worker is killed, a worker's parent is disconnected from) and every call
 * in flight on that channel fails with this error.
 *
 * @example
 * ```ts
 * for await (const chunk of worker.call.lines(path)) {} // rejects with ProtocolError if the worker ignores its credit
 * ```
 */
export class ProtocolError extends ForkRpcError {
  /** The stable code of this error, the same whatever its message (for a `switch` or a log query). */
  override readonly code = 'ERR_FORKRPC_PROTOCOL'

  constructor(message = 'The other side broke the forkrpc protocol', options: ForkRpcErrorOptions = {}) {
    super(message, options)
  }
}

/**
 * The ProtocolError of a call of `procedure` (if any) on a channel dropped because `peer`
 * broke the protocol: `why` says how ("wrote bytes that are not a message ..."), `outcome`
 * what became of the peer ("it was killed").
 */
export function brokeProtocol(peer: string, why: string, outcome: string, procedure?: string): ProtocolError {
  const call = procedure === undefined ? '' : `; call "${procedure}" failed`
  return new ProtocolError(`${peer} broke the forkrpc protocol: it ${why}, so ${outcome}${call}`, { procedure })
}
