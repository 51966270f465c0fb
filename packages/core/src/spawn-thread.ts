/**
 * `spawnThread()`: the same contract and handlers in a worker thread instead of a child
 * process, behind the same worker interface (`call`, `on`, `events`, `close`).
 */
import { existsSync } from 'node:fs'
import { resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Worker, type ResourceLimits } from 'node:worker_threads'
import pTimeout from 'p-timeout'
import { createClient, type Client, type ClientCore } from './client.js'
import type { CloseOptions, ContractWorker } from './contract-worker.js'
import { assertContract, checkTimeout, MAX_TIMER_MS, type Contract } from './contract.js'
import { ChannelClosedError, StartupError, type ExitDetails } from './errors.js'
import type { EventSource } from './event-hub.js'
import { PROTOCOL_VERSION } from './protocol.js'
import { waitAtMost, type ExitResult } from './terminate.js'
import { THREAD_MARKER, watchThread } from './thread-channel.js'
import { checkHostHandlers, type ContractWithoutHost, type HostOption } from './host.js'
import { checkWorkerOptions, clientOptions, exitedEarly, handshake, type WorkerOptions } from './worker.js'

/**
 * Options of {@link spawnThread}: forkrpc's own (as for `fork()`), and those of
 * `new Worker()` it passes on. `killTimeout` has no use here: a thread is stopped at once.
 *
 * @example
 * ```ts
 * await spawnThread(math, './math.worker.js', { timeout: 1_000, resourceLimits: { maxOldGenerationSizeMb: 64 } })
 * ```
 */
export interface ThreadOptions extends WorkerOptions {
  /** Command-line arguments for the thread (its `process.argv.slice(2)`). */
  args?: readonly string[]
  /** The thread's `process.env`. Default: a copy of this process's. */
  env?: NodeJS.ProcessEnv
  /** Node options for the thread. Default: this process's (so a tsx parent can start `.ts` workers). */
  execArgv?: readonly string[]
  /** Heap limits of the thread; over them, it ends and calls in flight reject with WorkerExitedError. */
  resourceLimits?: ResourceLimits
}

/**
 * A running worker thread: the same interface as a forked worker, with the thread instead
 * of the process.
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
  /**
   * Stops the thread in stages: no new calls; calls in flight get `grace` ms to finish;
   * then the thread is asked to shut down (its `serve()` aborts what still runs, runs the
   * onShutdown hooks and exits); a thread still running `killTimeout` ms later is
   * terminated (`forced: true`). Calling it again returns the same result.
   */
  close(options?: CloseOptions): Promise<ExitResult>
}

const DEFAULTS = { startupTimeout: 10_000, grace: 5_000, killTimeout: 5_000 }
const startupTimedOut = Symbol('startup timed out')

/**
 * Starts `module` in a worker thread and resolves with the worker once the thread has
 * called `serve()` with the same contract. `serve()` notices it runs in a thread, so the
 * worker module is the same as for `fork()`. Rejects with StartupError (the module is
 * missing, throws while loading, exits, or is not ready within `startupTimeout`) or
 * ContractMismatchError; the thread is stopped first.
 *
 * A thread starts faster and costs less memory than a process, and shares the process's
 * fate: a crash of the thread ends only the thread, but a native crash or `process.abort()`
 * ends the parent too, and a synchronous loop in it cannot be killed from outside except by
 * `close()` (which terminates it).
 *
 * @example
 * ```ts
 * import { spawnThread } from '@forkrpc/core'
 * const worker = await spawnThread(math, new URL('./math.worker.js', import.meta.url))
 * await worker.call.add({ a: 1, b: 2 })
 * await worker.close()
 * ```
 */
export function spawnThread<C extends ContractWithoutHost>(contract: C, module: string | URL, options?: ThreadOptions): Promise<ThreadWorker<C>>
/**
 * Starts a thread whose contract declares host procedures: `options.host` must give their handlers.
 *
 * @example
 * ```ts
 * await spawnThread(app, new URL('./app.worker.js', import.meta.url), { host: { getConfig: (key) => config[key] } })
 * ```
 */
export function spawnThread<C extends Contract>(contract: C, module: string | URL, options: ThreadOptions & HostOption<C>): Promise<ThreadWorker<C>>
export async function spawnThread<C extends Contract>(contract: C, module: string | URL, options: ThreadOptions & { host?: unknown } = {}): Promise<ThreadWorker<C>> {
  assertContract(contract, 'spawnThread(contract, module)')
  checkWorkerOptions(options)
  checkHostHandlers(contract, options.host, 'spawnThread()')
  const path = module instanceof URL ? fileURLToPath(module) : resolve(module)
  if (!existsSync(path)) throw new StartupError(path, 'the module file does not exist', { exitCode: null, signal: null })
  let thread: Worker
  try {
    thread = new Worker(path, {
      argv: options.args === undefined ? [] : [...options.args],
      env: options.env,
      execArgv: options.execArgv === undefined ? undefined : [...options.execArgv],
      resourceLimits: options.resourceLimits,
      workerData: { [THREAD_MARKER]: true },
    })
  } catch (error) {
    throw new StartupError(path, `it could not be started: ${(error as Error).message}`, { exitCode: null, signal: null }, error)
  }
  const { channel, exited } = watchThread(thread)
  const startupTimeout = options.startupTimeout ?? DEFAULTS.startupTimeout
  try {
    await pTimeout(handshake(contract, channel, path, exited), {
      milliseconds: startupTimeout > MAX_TIMER_MS ? Infinity : Math.max(startupTimeout, 1),
      message: false,
      fallback: () => {
        throw startupTimedOut
      },
    })
  } catch (failure) {
    await thread.terminate()
    const details = await exited
    if (failure === startupTimedOut) throw new StartupError(path, `it did not call serve() within ${startupTimeout} ms, so it was stopped`, details)
    if (failure === exitedEarly) {
      throw new StartupError(path, details.stderr === undefined ? `it exited with code ${details.exitCode} without calling serve(contract, handlers)` : 'it threw before calling serve()', details)
    }
    throw failure
  }
  channel.send({ $fr: PROTOCOL_VERSION, t: 'ha', s: 'advanced' })
  const client = createClient(contract, channel, clientOptions<C>(options))
  const requestShutdown = (): void => channel.send({ $fr: PROTOCOL_VERSION, t: 's' })
  return new SpawnedThread(client, thread, exited, { grace: options.grace ?? DEFAULTS.grace, killTimeout: options.killTimeout ?? DEFAULTS.killTimeout }, requestShutdown)
}

class SpawnedThread<C extends Contract> implements ThreadWorker<C> {
  readonly call: Client<C>
  readonly on: EventSource<C>['on']
  readonly events: EventSource<C>['events']
  readonly notify: ClientCore<C>['notify']
  readonly threadId: number
  readonly thread: Worker
  readonly #client: ClientCore<C>
  readonly #exited: Promise<ExitDetails>
  readonly #limits: { grace: number; killTimeout: number }
  readonly #requestShutdown: () => void
  #closing: Promise<ExitResult> | undefined

  constructor(client: ClientCore<C>, thread: Worker, exited: Promise<ExitDetails>, limits: { grace: number; killTimeout: number }, requestShutdown: () => void) {
    this.call = client.call
    this.on = client.on
    this.events = client.events
    this.notify = client.notify
    this.thread = thread
    this.threadId = thread.threadId
    this.#client = client
    this.#exited = exited
    this.#limits = limits
    this.#requestShutdown = requestShutdown
  }

  close(options: CloseOptions = {}): Promise<ExitResult> {
    if (this.#closing === undefined) {
      const grace = options.grace ?? this.#limits.grace
      const killTimeout = options.killTimeout ?? this.#limits.killTimeout
      try {
        checkTimeout(grace, 'close({ grace })')
        checkTimeout(killTimeout, 'close({ killTimeout })')
      } catch (error) {
        return Promise.reject(error)
      }
      this.#client.refuse((procedure) => new ChannelClosedError(procedure))
      this.#closing = this.#stop(grace, killTimeout)
    }
    return this.#closing
  }

  /**
   * The thread's staged stop: calls in flight get `grace` ms; then the thread is asked to
   * shut down (its `serve()` aborts what still runs, runs the onShutdown hooks and exits);
   * a thread still running `killTimeout` ms later is terminated (`forced: true`).
   */
  async #stop(grace: number, killTimeout: number): Promise<ExitResult> {
    this.thread.ref() // close() holds the event loop until the thread is gone
    let exited = false
    void this.#exited.then(() => (exited = true))
    await waitAtMost(Promise.race([this.#client.drained(), this.#exited]), grace)
    if (!exited) {
      this.#requestShutdown()
      await waitAtMost(this.#exited, killTimeout)
    }
    const forced = !exited
    if (forced) await this.thread.terminate()
    const details = await this.#exited
    return { code: details.exitCode, signal: null, forced }
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close()
  }
}
