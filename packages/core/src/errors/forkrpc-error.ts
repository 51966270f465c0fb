/**
 * The base class of forkrpc's errors, and its options.
 */

/**
 * What every forkrpc error can carry besides its message.
 *
 * @example
 * ```ts
 * new ForkRpcError('the worker said no', { procedure: 'resize', cause: original })
 * ```
 */
export interface ForkRpcErrorOptions {
  /** The error that caused this one. */
  cause?: unknown
  /** The procedure the error is about, when there is one. */
  procedure?: string | undefined
}

/**
 * Base class of every error that forkrpc raises.
 *
 * @remarks
 * Every error forkrpc raises extends `ForkRpcError` and has a stable `code` (docs/errors.md says
 * how errors travel). Every class can be built from a message alone, or with its options
 * (`new TimeoutError('boom', { procedure, timeout })`), so that test doubles can throw the real
 * thing.
 * Errors thrown in a handler come back to the caller as themselves.
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

  constructor(message = 'forkrpc failed', options: ForkRpcErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.procedure = options.procedure
  }

  /** The class's name (`TimeoutError`, ...), also for a subclass, and for an error rebuilt from a worker. */
  override get name(): string {
    return this.constructor.name
  }
}

/** `Call "name"`, or `The call` when no procedure is known: how messages name a call. */
export function describeCall(procedure: string | undefined): string {
  return procedure === undefined ? 'The call' : `Call "${procedure}"`
}
