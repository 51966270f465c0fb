// Types of harness.mjs, for the TypeScript tests that run the checks under vitest.
import type { ChildProcess } from 'node:child_process'
import type { ForkOptions, RpcWorker, Contract } from '@forkrpc/core'

/** Where a check starts its workers: on this runtime (`{}`), or on another (`execPath`, `execArgv`). */
export interface WorkerRuntimeOptions {
  execPath?: string
  execArgv?: string[]
}

export interface CheckContext {
  readonly workerOptions: WorkerRuntimeOptions
  readonly foreign: string | undefined
  fork(options?: ForkOptions, module?: string): Promise<RpcWorker<Contract>>
  stderrOf(worker: RpcWorker<Contract>): string
  parent(mode: string, env?: Record<string, string>): { child: ChildProcess; lines: { next(ms?: number): Promise<unknown> }; stderr(): string }
  cleanUp(): Promise<void>
}

export declare function checkContext(options?: { workerOptions?: WorkerRuntimeOptions; foreign?: string }): CheckContext
export declare function fixture(name: string): string
export declare function isAlive(pid: number): boolean
