/**
 * The object behind `worker.call` and `pool.call`: one function per procedure of the
 * contract on a frozen, null-prototype object, so that it is not thenable and `toJSON`,
 * `then` or a typo are simply undefined. Each function records its caller's stack (when
 * asked to) and never throws: whatever goes wrong is a rejected promise.
 */
import type { CallOptions, Client } from './client.js'
import type { AnyProcedure, Contract } from './contract.js'

/** Where a call goes once its function has been called. */
export type Submit = (name: string, definition: AnyProcedure, input: unknown, options: CallOptions | undefined, caller: { stack?: string }) => Promise<unknown>

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
export function createCallObject<C extends Contract>(contract: C, submit: Submit, recordStack: () => boolean): Client<C> {
  const call = Object.create(null) as Record<string, (input?: unknown, options?: CallOptions) => Promise<unknown>>
  for (const name of contract.names) {
    const definition = contract.procedures[name] as AnyProcedure
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
