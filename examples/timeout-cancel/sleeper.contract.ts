import { defineContract, procedure } from '@forkrpc/core'

/** What the worker saw when a call's `ctx.signal` aborted. */
export interface AbortSeen {
  name: string
  message: string
}

export const sleeper = defineContract({
  /** Sleeps `ms` milliseconds, unless the call is cancelled or times out first. */
  slow: procedure<number, string>(),
  /** The reason of the last abort the worker saw, or null. */
  lastAbort: procedure<void, AbortSeen | null>(),
})
