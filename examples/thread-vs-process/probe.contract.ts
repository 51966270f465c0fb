import { defineContract, procedure } from '@forkrpc/core'

/** A tiny contract to measure a transport with. */
export const probe = defineContract({
  add: procedure<{ a: number; b: number }, number>(),
  /** The worker's own view of its memory, in bytes. */
  memory: procedure<void, { rss: number; heapUsed: number }>(),
})
