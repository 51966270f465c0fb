// Types of checks/index.mjs, for the TypeScript tests that run the checks under vitest.
import type { CheckContext } from '../harness.mjs'

/** One check of the runtime suite. */
export interface Check {
  readonly id: string
  readonly title: string
  /** 'parent': about the parent's runtime alone; not run for workers on another runtime. */
  readonly scope?: 'parent'
  run(ctx: CheckContext): Promise<void>
}

export declare const checks: readonly Check[]
