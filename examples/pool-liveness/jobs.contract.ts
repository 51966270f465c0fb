import { defineContract, procedure } from '@forkrpc/core'

/** Jobs, one of which can get a worker stuck for good. */
export const jobs = defineContract({
  /** Safe to run twice: the pool retries it once if its worker dies or stops answering. */
  thumbnail: procedure<{ image: string }, { image: string; worker: number }>({ idempotent: true }),
  /** A bug: a synchronous loop that never ends (think of a catastrophic regex). */
  parse: procedure<string, number>(),
  /** The worker's pid. */
  pid: procedure<void, number>(),
})
