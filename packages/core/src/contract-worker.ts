/**
 * What every worker offers, whatever runs it: a child process (`fork`, `connect`) or a
 * worker thread (`spawnThread`). Code written against it works with either, so the choice
 * of transport is one line.
 */
import type { Client } from './client.js'
import type { Contract } from './contract.js'
import type { EventSource } from './event-hub.js'
import type { Notify } from './notifications.js'
import type { ExitResult, StopOptions } from './terminate.js'

/**
 * Per-close overrides of the worker's shutdown limits.
 *
 * @example
 * ```ts
 * await worker.close({ grace: 0, killTimeout: 100 })
 * ```
 */
export type CloseOptions = Partial<StopOptions>

/**
 * A running worker of either transport: its typed client, its events, and its shutdown.
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
   * Stops the worker in stages: no new calls; calls in flight get `grace` ms to finish; then
   * the worker is stopped. Resolves once it has exited. Calling it again returns the same result.
   */
  close(options?: CloseOptions): Promise<ExitResult>
  /** The same as `close()`, for `await using`. */
  [Symbol.asyncDispose](): Promise<void>
}
