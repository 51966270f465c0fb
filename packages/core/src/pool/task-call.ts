/**
 * What a pool call is made of, and what it needs of the worker it runs on: the types shared
 * by the task (`pool-task.ts`), the member that runs it and the stream that waits for it.
 */
import type { AnyDeclaration } from '../contract/define-contract.js'
import type { CallSettings } from '../rpc/call-options.js'
import type { LinePlace } from '../rpc/line-place.js'
import type { PoolRouting } from './pool-call-options.js'

/** Where a pool call is: waiting for a worker, running on one, or answered. */
export type TaskState = 'queued' | 'running' | 'settled'

/** What a task is made of: the call, its checked options, and its promise's functions. */
export interface TaskCall {
  readonly name: string
  readonly declaration: AnyDeclaration
  readonly input: unknown
  /** The call's options, resolved against the procedure's and the pool's timeout. */
  readonly settings: CallSettings
  /** What the pool's `call` interceptors put in its metadata, if any. */
  readonly metadata?: Readonly<Record<string, string>> | undefined
  /** Its priority and key (default: priority 0, no key). */
  readonly routing?: PoolRouting | undefined
  /** How it runs on a worker, if not as a call (a stream: `pool-stream.ts`); settles once its slot is free. */
  readonly runOn?: ((target: TaskTarget, options: WorkerCallOptions) => Promise<unknown>) | undefined
  readonly resolve: (value: unknown) => void
  readonly reject: (reason: unknown) => void
}

/**
 * The options of a task's call on a worker: the time left of its timeout (`0`: none; for
 * a stream, its wait for each chunk), and a stream's credit window.
 */
export interface WorkerCallOptions {
  readonly signal: AbortSignal | undefined
  readonly timeout: number
  readonly onProgress: ((payload: unknown) => void) | undefined
  /** Streams and input streams only (a procedure's call refuses it). */
  readonly credit: number | undefined
  /** What the pool's `call` interceptors put in the call's metadata (`metadata-carrier.ts` sends it). */
  readonly metadata?: Readonly<Record<string, string>> | undefined
  /** Its place in the worker's line (`rpc/line-place.ts`): when its handler started, and how the pool asks for it back. */
  readonly place?: LinePlace | undefined
}

/** Where a task runs: a pool member's worker (its procedures, streams and input streams). */
export interface TaskTarget {
  call(name: string, declared: AnyDeclaration, input: unknown, options: WorkerCallOptions): Promise<unknown>
  stream(name: string, declared: AnyDeclaration, input: unknown, options: WorkerCallOptions): AsyncIterableIterator<unknown>
}
