/**
 * Running the interceptors of one side: each chain calls its interceptors in order, the first
 * outermost, and ends in the real work. A side without interceptors never comes here: the hot
 * path pays nothing for the feature.
 */
import { checkObject } from '../base/option-checks.js'
import type { CallInterceptor, EventInterceptor, HandledCall, HandlerInterceptor, InterceptedCall, InterceptedEvent, Interceptors } from '../contract/interceptor-types.js'

/**
 * Throws a TypeError unless `interceptors` is undefined or `{ call?, handler?, event? }` of
 * arrays of functions; returns the non-empty chains.
 */
export function checkInterceptors(interceptors: unknown, where: string): Interceptors {
  if (interceptors === undefined) return {}
  checkObject(interceptors, where)
  const chains: Record<string, readonly unknown[] | undefined> = {}
  for (const [key, chain] of Object.entries(interceptors)) {
    if (key !== 'call' && key !== 'handler' && key !== 'event') throw new TypeError(`${where}: unknown kind of interceptor "${key}" (call, handler or event)`)
    if (chain === undefined) continue
    if (!Array.isArray(chain) || chain.some((interceptor) => typeof interceptor !== 'function')) throw new TypeError(`${where}: ${key} must be an array of functions`)
    if (chain.length > 0) chains[key] = Object.freeze([...chain])
  }
  return chains as Interceptors
}

/** Runs `call` through `chain`, ending in `last` (the call itself). */
export function interceptCall(chain: readonly CallInterceptor[], call: InterceptedCall, last: (call: InterceptedCall) => unknown): unknown {
  const step = (index: number, current: InterceptedCall): unknown => {
    const interceptor = chain[index]
    return interceptor === undefined ? last(current) : interceptor(current, (next) => step(index + 1, next))
  }
  return step(0, call)
}

/** Runs a handler through `chain`, ending in `last` (the handler with its input). */
export function interceptHandler(chain: readonly HandlerInterceptor[], call: HandledCall, last: (input: unknown) => unknown): unknown {
  const step = (index: number, input: unknown): unknown => {
    const interceptor = chain[index]
    return interceptor === undefined ? last(input) : interceptor(index === 0 ? call : { ...call, input }, (next) => step(index + 1, next))
  }
  return step(0, call.input)
}

/** Runs an event through `chain`, ending in `last` (its delivery to the listeners). */
export function interceptEvent(chain: readonly EventInterceptor[], event: InterceptedEvent, last: (payload: unknown) => void): void {
  const step = (index: number, payload: unknown): void => {
    const interceptor = chain[index]
    if (interceptor === undefined) return last(payload)
    interceptor(index === 0 ? event : { ...event, payload }, (next) => step(index + 1, next))
  }
  step(0, event.payload)
}
