// The types of host.contract.mjs, for main.ts.
import type { Contract, Procedure } from '@forkrpc/core'

/** Runs plugin `plugin` (a module in plugins/) on `input`: its result. */
export declare const host: Contract<{ run: Procedure<{ plugin: string; input: string }, unknown> }, {}, {}, {}>
