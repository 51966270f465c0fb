import { defineContract, procedure } from '@forkrpc/core'

export class UnknownSettingError extends Error {
  override name = 'UnknownSettingError'
  constructor(readonly setting: string) {
    super(`the parent has no setting "${setting}"`)
  }
}

/**
 * The worker serves `report`; the parent serves `getConfig` and `log` for the worker
 * (two-way calls). fork() will not compile without handlers for both.
 */
export const app = defineContract(
  {
    report: procedure<{ region: string }, string>(),
  },
  {
    errors: [UnknownSettingError],
    host: {
      getConfig: procedure<string, string>({ timeout: 1_000 }),
      log: procedure<string, void>(),
    },
  },
)
