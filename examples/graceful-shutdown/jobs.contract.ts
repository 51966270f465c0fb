import { defineContract, procedure } from '@forkrpc/core'

/** A worker that runs jobs and keeps a log it must flush before it exits. */
export const jobs = defineContract({
  /** Works for `ms` milliseconds (stopping early if its signal aborts); returns what it did. */
  job: procedure<{ name: string; ms: number }, string>(),
})
