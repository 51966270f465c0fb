import { defineContract, procedure } from '@forkrpc/core'

export const crashy = defineContract({
  /** Sleeps `ms` milliseconds and returns. */
  work: procedure<number, string>(),
  /** Brings the whole worker process down after 50 ms: `process.exit(3)`, or SIGKILL. */
  crash: procedure<{ how: 'exit' | 'kill' }, never>(),
})
