/**
 * A pool runs its `call` interceptors itself, once per call, around everything the call goes
 * through (its wait in the queue, a retry on another worker); its workers' peers run none of
 * them. What those interceptors put in `metadata` still has to travel with the request that
 * the worker's peer sends: the pool hands it over in the worker call's options, and this one
 * interceptor, the only `call` interceptor of a pool's workers, moves it into the request.
 */
import type { CallInterceptor } from '../contract/interceptor-types.js'

/** The interceptor of a pool's workers that sends the metadata of the pool's interceptors. */
export const carryMetadata: CallInterceptor = (call, next) => {
  const metadata = call.options?.['metadata'] as Readonly<Record<string, string>> | undefined
  if (metadata !== undefined) Object.assign(call.metadata, metadata)
  return next(call)
}
