/**
 * The object behind `worker.call` and `pool.call`: one function per procedure of the
 * contract on a frozen, null-prototype object, so that it is not thenable and `toJSON`,
 * `then` or a typo are simply undefined. Each function records its caller's stack (when
 * asked to) and never throws: whatever goes wrong is a rejected promise.
 */
import type { CallOptions, Client } from './client.js'
import type { AnyProcedure, Contract } from './contract.js'
import type { AnyInputStreamProcedure, AnyStreamProcedure } from './stream.js'
import type { StreamCallOptions } from './stream-client.js'

/**
 * Where a call goes once its function has been called. Input stream procedures reach it
 * only when the call object supports streams (an `openStream` was given).
 */
export type Submit = (name: string, definition: AnyProcedure, input: unknown, options: CallOptions | undefined, caller: { stack?: string }) => Promise<unknown>

/** What a stream procedure's function returns: its iterator, made at once (streams start on the first `next()`). */
export type OpenStream = (
  name: string,
  definition: AnyStreamProcedure,
  input: unknown,
  options: StreamCallOptions | undefined,
  caller: { stack?: string },
) => AsyncIterableIterator<unknown>

/** The caller of a call whose stack was not recorded. */
const WITHOUT_STACK: { stack?: string } = Object.freeze({})

/**
 * Builds the call object of `contract`, sending every call to `submit`.
 *
 * @example
 * ```ts
 * const call = createCallObject(math, (name, definition, input, options, caller) => send(name, input), () => true)
 * ```
 */
export function createCallObject<C extends Contract>(contract: C, submit: Submit, recordStack: () => boolean, openStream?: OpenStream): Client<C> {
  const call = Object.create(null) as Record<string, (input?: unknown, options?: CallOptions) => unknown>
  for (const name of contract.names) {
    const declared = contract.procedures[name] as AnyProcedure | AnyStreamProcedure | AnyInputStreamProcedure
    if (declared.kind === 'stream') {
      const streamProcedure = (input?: unknown, streamOptions?: StreamCallOptions): AsyncIterableIterator<unknown> => {
        if (openStream === undefined) throw new TypeError(`"${name}" is a stream procedure, which a pool does not take yet: fork a worker for it`)
        let caller = WITHOUT_STACK
        if (recordStack()) {
          caller = {}
          Error.captureStackTrace(caller, streamProcedure)
        }
        return openStream(name, declared, input, streamOptions, caller)
      }
      Object.defineProperty(streamProcedure, 'name', { value: name })
      Object.defineProperty(call, name, { value: streamProcedure, enumerable: true })
      continue
    }
    if (declared.kind === 'input-stream' && openStream === undefined) {
      const unsupported = (): Promise<never> => Promise.reject(new TypeError(`"${name}" is an input stream procedure, which a pool does not take yet: fork a worker for it`))
      Object.defineProperty(call, name, { value: unsupported, enumerable: true })
      continue
    }
    // Input streams go to `submit` too (the client's request() knows them).
    const definition = declared as AnyProcedure
    const callProcedure = (input?: unknown, callOptions?: CallOptions): Promise<unknown> => {
      let caller = WITHOUT_STACK
      if (recordStack()) {
        caller = {}
        Error.captureStackTrace(caller, callProcedure)
      }
      try {
        return submit(name, definition, input, callOptions, caller)
      } catch (error) {
        return Promise.reject(error)
      }
    }
    Object.defineProperty(callProcedure, 'name', { value: name })
    Object.defineProperty(call, name, { value: callProcedure, enumerable: true })
  }
  return Object.freeze(call) as Client<C>
}
