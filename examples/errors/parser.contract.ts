import { defineContract, procedure } from '@forkrpc/core'

/** Thrown by the worker; registered below, so it comes back to the parent as itself. */
export class ParseError extends Error {
  // As for any custom error, set `name` (Error's default is "Error"): messages and
  // stacks show it.
  override name = 'ParseError'

  constructor(
    message: string,
    /** The 1-based line that failed to parse. Own properties cross the channel. */
    readonly line: number,
    options?: ErrorOptions,
  ) {
    super(message, options)
  }
}

export const parser = defineContract(
  {
    /** Parses one number per line. */
    parseNumbers: procedure<string, number[]>(),
  },
  { errors: [ParseError] },
)
