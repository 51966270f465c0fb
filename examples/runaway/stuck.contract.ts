import { defineContract, procedure } from '@forkrpc/core'

/** A worker with a handler that can get stuck in a synchronous loop. */
export const stuck = defineContract({
  /** Loops until `until` is reached, never yielding: it cannot see its signal abort. */
  crunch: procedure<{ iterations: number }, number>(),
  /** The worker's pid. */
  ping: procedure<void, number>(),
})
