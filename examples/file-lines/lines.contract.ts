import { defineContract, event, procedure, stream } from '@forkrpc/core'

/** Streams a text file's lines from the worker; the parent reads them with `for await`. */
export const lines = defineContract(
  {
    // At most 256 lines in flight: a slow consumer holds the worker's reading back, so a
    // file of any size costs bounded memory on both sides.
    read: stream<{ path: string }, string>({ credit: 256 }),
    // How many files the worker has open right now (to show that `break` closes them).
    openFiles: procedure<void, number>(),
  },
  { events: { fileClosed: event<{ path: string; linesRead: number }>() } },
)
