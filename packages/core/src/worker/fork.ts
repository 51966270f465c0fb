/**
 * `fork()`: starts a worker module in a child process with Node's `child_process.fork`
 * (never a shell) and resolves once the worker has confirmed the contract.
 */
import { fork as forkProcess, type ChildProcess, type ForkOptions as ForkProcessOptions, type StdioOptions } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { assertContract, type Contract } from '../contract/define-contract.js'
import { checkHostHandlers, type ContractWithoutHost, type HostOption } from '../contract/host.js'
import { startupFailed } from '../errors/worker-errors.js'
import { appShutdown } from '../supervision/app-shutdown.js'
import type { Serialization } from '../protocol/payload.js'
import type { RpcWorker } from './contract-worker.js'
import { ProcessWorker } from './managed-worker.js'
import { inspectArgv, inspectTarget, type InspectOptions } from './inspect-option.js'
import { processHandle } from './process-handle.js'
import { confineProcess } from './privilege/confine-process.js'
import { checkLeastPrivilege, type LeastPrivilegeOptions } from './privilege/permissions.js'
import { PROCESS_GROUPS_SUPPORTED } from './process-group.js'
import { startWorker, type StartExtras } from './startup.js'
import { typeScriptRunner } from './typescript-runner.js'
import { checkWorkerOptions, stopLimits, type WorkerOptions } from './worker-options.js'
import { workerSource } from './worker-source.js'

/**
 * Options of {@link (fork:1)}: forkrpc's own, and those of `child_process.fork` it passes on.
 *
 * @example
 * ```ts
 * await fork(math, './math.worker.js', { timeout: 1_000, env: { ...process.env, LOG: '1' } })
 * ```
 */
export interface ForkOptions extends WorkerOptions, InspectOptions, LeastPrivilegeOptions {
  /** `json` (default; superjson keeps Date, Map, BigInt, ... exact) or `advanced` (structured clone: Buffers, typed arrays). */
  serialization?: Serialization | undefined
  /** Command-line arguments for the worker (its `process.argv.slice(2)`). */
  args?: readonly string[] | undefined
  /** The worker's environment. Default: this process's. */
  env?: NodeJS.ProcessEnv | undefined
  /** The worker's working directory; a relative module path is resolved against it. Default: this process's. */
  cwd?: string | URL | undefined
  /**
   * Node options for the worker. Default: this process's (so a tsx parent can fork `.ts`
   * workers), less its permission options with `permissions` and its `--max-old-space-size`
   * with `heapLimitMb`. With a Deno `execPath` and either of those: `deno run`'s options.
   * A TypeScript worker needs a loader here (`['--import', 'tsx']`) unless its runtime strips types.
   */
  execArgv?: readonly string[] | undefined
  /** The Node executable. Default: this process's. */
  execPath?: string | undefined
  /**
   * The worker's stdio; it must contain `'ipc'`. Default `['ignore', 'inherit', 'pipe', 'ipc']`:
   * stderr is piped so errors can quote its last lines, and copied to this process's stderr.
   * With your own `stdio`, forkrpc still reads a piped stderr's tail but does not copy it.
   */
  stdio?: StdioOptions | undefined
  /**
   * Start the worker as the leader of a process group of its own (POSIX; ignored on
   * Windows). Signals of its staged stop then reach every process in the group, and
   * whatever is left of the group when the worker exits gets SIGTERM, then SIGKILL after
   * `killTimeout`: the processes the worker started (grandchildren) do not outlive it.
   * The worker no longer gets the terminal's Ctrl-C itself; the parent stops it. Default false.
   */
  processGroup?: boolean | undefined
}

/**
 * Starts `module` in a forked child process and resolves with the worker once the child
 * has called `serve()` with the same contract. Rejects with StartupError (the module is
 * missing, throws while loading, exits, or is not ready within `startupTimeout`; it is
 * TypeScript and the worker has no loader and no runtime that strips types; or
 * `shutdownAll()` runs, and nothing is started) or ContractMismatchError, and then no
 * process is left behind.
 *
 * `module` is a path (relative to `cwd`) or a `file:` URL. Name it as it is after the build,
 * `new URL('./math.worker.js', import.meta.url)`: while that `.js` (`.mjs`, `.cjs`) does not
 * exist, its TypeScript source beside it (`.ts`, `.mts`, `.cts`) is the worker, as TypeScript
 * resolves an import. It runs with the loader the worker's `execArgv` inherits (tsx's, when
 * this process runs under tsx) or gets, or on a runtime that strips types. A SIGTERM that reaches the worker while this process lives is
 * led from here: the worker is stopped with the app's shutdown, or closed in stages if the
 * app runs on.
 *
 * @example
 * ```ts
 * import { fork } from '@forkrpc/core'
 * import { math } from './math.contract.js'
 * await using worker = await fork(math, new URL('./math.worker.js', import.meta.url), { timeout: 1_000 })
 * console.log(await worker.call.add({ a: 1, b: 2 })) // 3
 * ```
 */
export function fork<C extends ContractWithoutHost>(contract: C, module: string | URL, options?: ForkOptions): Promise<RpcWorker<C>>
/**
 * Starts a worker whose contract declares host procedures (two-way calls): `options.host`
 * must give their handlers, which run in this process when the worker calls them.
 *
 * @example
 * ```ts
 * await fork(app, new URL('./app.worker.js', import.meta.url), { host: { getConfig: (key) => config[key] } })
 * ```
 */
export function fork<C extends Contract>(contract: C, module: string | URL, options: ForkOptions & HostOption<C>): Promise<RpcWorker<C>>
export async function fork<C extends Contract>(contract: C, module: string | URL, options: ForkOptions & { host?: unknown } = {}): Promise<RpcWorker<C>> {
  return (await forkWorker(contract, module, options, {})) as unknown as RpcWorker<C>
}

/**
 * `fork()`, with what only a pool adds: to hear of the child before it is ready, memory
 * limits, and every message.
 */
export async function forkWorker(
  contract: Contract,
  module: string | URL,
  options: ForkOptions & { host?: unknown },
  extras: StartExtras & { onSpawn?: ((pid: number) => void) | undefined },
): Promise<ProcessWorker<Contract>> {
  assertContract(contract, 'fork(contract, module)')
  checkWorkerOptions(options, 'fork()')
  checkLeastPrivilege(options, 'fork()')
  checkHostHandlers(contract, options.host, 'fork()')
  const inspect = inspectTarget(options, 'fork()')
  const cwd = options.cwd instanceof URL ? fileURLToPath(options.cwd) : options.cwd
  const serialization = options.serialization ?? 'json'
  if (serialization !== 'json' && serialization !== 'advanced') throw new TypeError(`fork(): serialization must be 'json' or 'advanced', got ${String(serialization)}`)
  const { path, typeScript } = workerSource(module, 'fork(contract, module)', cwd)
  if (appShutdown.stoppingAll) throw startupFailed(path, 'the app is shutting down: no worker is started while shutdownAll() runs')
  const processGroup = options.processGroup === true && PROCESS_GROUPS_SUPPORTED
  const execArgv = inspect !== undefined ? inspectArgv(options.execArgv ?? process.execArgv, inspect) : options.execArgv
  const { uid, gid, ...confined } = confineProcess({ options, module: path, execArgv, inspect: inspect !== undefined }, 'fork()')
  if (typeScript) {
    const otherExecPath = options.execPath !== undefined && options.execPath !== process.execPath
    typeScriptRunner({ module: path, thread: false, execArgv: confined.execArgv ?? process.execArgv, nodeOptions: (confined.env ?? process.env).NODE_OPTIONS, otherExecPath })
  }
  const child = spawnChild(path, options.args ?? [], {
    ...confined,
    ...(uid === undefined ? {} : { uid }),
    ...(gid === undefined ? {} : { gid }),
    cwd,
    execPath: options.execPath,
    stdio: options.stdio ?? ['ignore', 'inherit', 'pipe', 'ipc'],
    serialization,
    // On POSIX, `detached` makes the child the leader of a new process group (and session).
    detached: processGroup,
  })
  if (child.pid !== undefined) extras.onSpawn?.(child.pid)
  const handle = processHandle(child, { serialization, label: path, forwardStderr: options.stdio === undefined, processGroup, killTimeout: stopLimits(options).killTimeout, maxMessageBytes: options.maxMessageBytes, maxPending: options.maxPending })
  return startWorker(contract, handle, options, extras, (peer, limits, inspectorUrl) => new ProcessWorker(peer, handle, limits, child, inspectorUrl))
}

/** `child_process.fork`, whose failures of the system call (spawn EPERM for a `uid` this process may not take) are StartupErrors. */
function spawnChild(path: string, args: readonly string[], options: ForkProcessOptions): ChildProcess {
  try {
    return forkProcess(path, args, options)
  } catch (error) {
    if (typeof (error as { syscall?: unknown }).syscall !== 'string') throw error
    throw startupFailed(path, `it could not be started: ${(error as Error).message}`, undefined, error)
  }
}
