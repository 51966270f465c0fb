/**
 * `spawnThread()`: the same contract and handlers in a worker thread instead of a child
 * process, behind the same worker interface (`call`, `on`, `events`, `notify`, `close`).
 */
import { Worker, type ResourceLimits } from 'node:worker_threads'
import { THREAD_INSPECT, THREAD_MARKER } from '../channel/message-port-channel.js'
import { assertContract, type Contract } from '../contract/define-contract.js'
import { checkHostHandlers, type ContractWithoutHost, type HostOption } from '../contract/host.js'
import { startupFailed } from '../errors/worker-errors.js'
import { appShutdown } from '../supervision/app-shutdown.js'
import type { ThreadWorker } from './contract-worker.js'
import { SpawnedThread } from './managed-worker.js'
import { inspectTarget, type InspectOptions } from './inspect-option.js'
import { checkLeastPrivilege, type LeastPrivilegeOptions } from './privilege/permissions.js'
import { confineThread } from './privilege/thread-permissions.js'
import { startWorker, type StartExtras } from './startup.js'
import { threadHandle } from './thread-handle.js'
import { TSX_THREAD, typeScriptRunner } from './typescript-runner.js'
import { checkWorkerOptions, type WorkerOptions } from './worker-options.js'
import { workerSource } from './worker-source.js'

/**
 * Options of {@link (spawnThread:1)}: forkrpc's own (as for `fork()`), and those of
 * `new Worker()` it passes on.
 *
 * @example
 * ```ts
 * await spawnThread(math, './math.worker.js', { timeout: 1_000, resourceLimits: { maxOldGenerationSizeMb: 64 } })
 * ```
 */
export interface ThreadOptions extends WorkerOptions, InspectOptions, LeastPrivilegeOptions {
  /** Command-line arguments for the thread (its `process.argv.slice(2)`). */
  args?: readonly string[] | undefined
  /** The thread's `process.env`. Default: a copy of this process's. */
  env?: NodeJS.ProcessEnv | undefined
  /**
   * Node options for the thread. Default: this process's (so a tsx parent can start `.ts`
   * workers; where tsx does not register itself in threads, before Node 22.22, the thread
   * starts at an entry that registers it); with `permissions`, none but the permission flags
   * (a thread refuses some of a process's options, and its loaders could not be read).
   */
  execArgv?: readonly string[] | undefined
  /** Heap limits of the thread; over them, it ends and calls in flight reject with WorkerExitedError. */
  resourceLimits?: ResourceLimits | undefined
}

/**
 * Starts `module` in a worker thread and resolves with the worker once the thread has
 * called `serve()` with the same contract. `serve()` notices it runs in a thread, so the
 * worker module is the same as for `fork()`, named the same way (a `.js` that does not exist
 * stands for its `.ts` source beside it; see {@link (fork:1)}). Rejects with StartupError (the
 * module is missing, throws while loading, exits, or is not ready within `startupTimeout`; it
 * is TypeScript and nothing in the thread would run it) or ContractMismatchError; the thread
 * is stopped first.
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
  return (await spawnThreadWorker(contract, module, options, {})) as unknown as ThreadWorker<C>
}

/**
 * `spawnThread()`, with what only a pool adds: to hear of the thread before it is ready (its
 * threadId), memory limits, and every message.
 */
export async function spawnThreadWorker(
  contract: Contract,
  module: string | URL,
  options: ThreadOptions & { host?: unknown },
  extras: StartExtras & { onSpawn?: ((threadId: number) => void) | undefined },
): Promise<SpawnedThread<Contract>> {
  assertContract(contract, 'spawnThread(contract, module)')
  checkWorkerOptions(options, 'spawnThread()')
  checkLeastPrivilege(options, 'spawnThread()')
  checkHostHandlers(contract, options.host, 'spawnThread()')
  const inspect = inspectTarget(options, 'spawnThread()')
  const { path, typeScript } = workerSource(module, 'spawnThread(contract, module)')
  if (appShutdown.stoppingAll) throw startupFailed(path, 'the app is shutting down: no worker is started while shutdownAll() runs')
  const { env, execArgv, resourceLimits } = confineThread({ options, module: path, inspect: inspect !== undefined }, 'spawnThread()')
  const { tsxThread } = typeScript ? typeScriptRunner({ module: path, thread: true, execArgv: execArgv ?? process.execArgv, nodeOptions: process.env.NODE_OPTIONS, otherExecPath: false }) : {}
  let thread: Worker
  try {
    // A TypeScript module that tsx must be registered for in the thread starts at typescript-thread.ts.
    thread = new Worker(tsxThread === undefined ? path : new URL('./typescript-thread.js', import.meta.url), {
      argv: options.args === undefined ? [] : [...options.args],
      env,
      execArgv,
      resourceLimits,
      workerData: {
        [THREAD_MARKER]: true,
        ...(inspect === undefined ? {} : { [THREAD_INSPECT]: inspect }),
        ...(tsxThread === undefined ? {} : { [TSX_THREAD]: tsxThread }),
      },
    })
  } catch (error) {
    throw startupFailed(path, `it could not be started: ${(error as Error).message}`, undefined, error)
  }
  extras.onSpawn?.(thread.threadId)
  const handle = threadHandle(thread, path)
  return startWorker(contract, handle, options, extras, (peer, limits, inspectorUrl) => new SpawnedThread(peer, handle, limits, thread, inspectorUrl))
}
