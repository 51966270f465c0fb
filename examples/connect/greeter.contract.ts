import { defineContract, procedure } from '@forkrpc/core'

export const greeter = defineContract({
  /** Greets `name` with the greeting the worker was started with. */
  greet: procedure<string, string>(),
})
