// The plugin host's contract, in plain JavaScript: the worker that runs the plugins is plain
// JavaScript too (a worker under Node's permission model cannot run tsx's loader).
import { defineContract, procedure } from '@forkrpc/core'

export const host = defineContract({
  /** Runs plugin `plugin` (a module in plugins/) on `input`: its result. */
  run: procedure(),
})
