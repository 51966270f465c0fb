import { defineContract, procedure } from '@forkrpc/core'

/** What the worker saw of the last report's nested calls. */
export interface NestedSeen {
  /** How much of its deadline `report` had when it started, in ms. */
  readonly leftAtStart: number
  /** How many lookups finished before the deadline. */
  readonly lookedUp: number
  /** The nested call's error: its name and which call's deadline it inherited. */
  readonly error: { name: string; inheritedFrom: string | undefined } | undefined
}

/**
 * The worker builds a report from lookups it asks the parent for (`ctx.host.lookup`): each
 * nested call inherits what is left of the report's own deadline.
 */
export const reports = defineContract(
  {
    report: procedure<number, string>(),
    lastReport: procedure<void, NestedSeen | undefined>(),
  },
  { host: { lookup: procedure<string, string>() } },
)
