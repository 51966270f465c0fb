/**
 * What every worker offers, whatever runs it: a child process (`fork`, `connect`) or a
 * worker thread (`spawnThread`). Code written against `ContractWorker` works with either,
 * so the choice of runtime is one line.
 */
import type { ChildProcess } from 'node:child_process'
import type { Worker } from 'node:worker_threads'
import type { Client, EventSource, Notify } from '../contract/call-types.js'
import type { Contract } from '../contract/define-contract.js'
import type { ExitResult, StopOptions } from '../supervision/registry.js'

/**
 * Per-close overrides of the worker's stop limits. Options that are not an object, or a
 * limit that is not a non-negative number, make `close()` reject with a TypeError.
 *
 * @example
 * ```ts
 * await worker.close({ grace: 0, killTimeout: 100 })
 * ```
 */
export type CloseOptions = Partial<StopOptions>

/**
 * A running worker of either runtime: its typed client, its events, and its stop.
 *
 * @example
 * ```ts
 * const worker: ContractWorker<typeof math> = useThreads
 *   ? await spawnThread(math, new URL('./math.worker.js', import.meta.url))
 *   : await fork(math, new URL('./math.worker.js', import.meta.url))
 * console.log(await worker.call.add({ a: 1, b: 2 }))
 * await worker.close()
 * ```
 */
export interface ContractWorker<C extends Contract> extends EventSource<C> {
  /** One async function per procedure of the contract (an AsyncIterable per stream procedure). */
  readonly call: Client<C>
  /** Sends one of the contract's notifications to the worker: fire and forget. */
  readonly notify: Notify<C>
  /**
   * Stops the worker in stages: no new calls; calls in flight get `grace` ms to finish; the
   * worker is asked to shut down (its `serve()` runs the onShutdown hooks and exits 0); then
   * SIGTERM (a thread is asked again); then it is killed after `killTimeout` ms
   * (`forced: true`). A stopped (SIGSTOP) process is woken with SIGCONT first, so that it
   * can finish its calls and shut down rather than be killed. Resolves once it has exited
   * and every call has settled. Calling it again returns the same result.
   */
  close(options?: CloseOptions): Promise<ExitResult>
  /** The same as `close()`, for `await using`. */
  [Symbol.asyncDispose](): Promise<void>
}

/**
 * A running process worker (`fork()`, `connect()`): its typed client and its process.
 *
 * @example
 * ```ts
 * await using worker = await fork(math, new URL('./math.worker.js', import.meta.url))
 * console.log(worker.pid, await worker.call.add({ a: 1, b: 2 }))
 * ```
 */
export interface RpcWorker<C extends Contract> extends ContractWorker<C> {
  /** The worker process's pid. */
  readonly pid: number
  /** The underlying ChildProcess (for its stdout, say). Prefer `close()` to killing it. */
  readonly process: ChildProcess
  /** The worker's inspector URL, when it was forked with `inspect` (for Chrome DevTools or an IDE). */
  readonly inspectorUrl: string | undefined
}

/**
 * A running thread worker (`spawnThread()`): the same interface as a process worker, with
 * the thread instead of the process.
 *
 * @example
 * ```ts
 * await using worker = await spawnThread(math, new URL('./math.worker.js', import.meta.url))
 * console.log(worker.threadId, await worker.call.add({ a: 1, b: 2 }))
 * ```
 */
export interface ThreadWorker<C extends Contract> extends ContractWorker<C> {
  /** The thread's id (`threadId` in `node:worker_threads`). */
  readonly threadId: number
  /** The underlying `Worker`. Prefer `close()` to terminating it. */
  readonly thread: Worker
  /** The thread's inspector URL, when it was started with `inspect` (for Chrome DevTools or an IDE). */
  readonly inspectorUrl: string | undefined
}
