import { defineContract, procedure } from '@forkrpc/core'

/** What the word-count worker does for the service. */
export const words = defineContract({
  /** The number of words in a text. */
  count: procedure<string, number>(),
})
