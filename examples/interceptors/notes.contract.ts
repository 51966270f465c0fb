import { defineContract, procedure, stream } from '@forkrpc/core'

/** A worker that keeps notes: anyone may add and read them, only an admin may wipe them. */
export const notes = defineContract({
  add: procedure<string, number>(),
  wipe: procedure<void, number>(),
  all: stream<void, string>(),
})
