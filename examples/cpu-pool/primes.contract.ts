import { defineContract, procedure } from '@forkrpc/core'

/** CPU-bound work: counting primes in a range by trial division. */
export const primes = defineContract({
  /** How many primes there are in [from, to). */
  count: procedure<{ from: number; to: number }, number>(),
})
