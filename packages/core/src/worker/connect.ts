/**
 * `connect()`: the same worker interface over a child process the user started.
 */
import type { ChildProcess } from 'node:child_process'
import { assertContract, type Contract } from '../contract/define-contract.js'
import { checkHostHandlers, type ContractWithoutHost, type HostOption } from '../contract/host.js'
import type { Serialization } from '../protocol/payload.js'
import type { RpcWorker } from './contract-worker.js'
import { ProcessWorker } from './managed-worker.js'
import { isHandled, processHandle } from './process-handle.js'
import { startWorker } from './startup.js'
import { checkWorkerOptions, stopLimits, type WorkerOptions } from './worker-options.js'

/**
 * Options of {@link (connect:1)}.
 *
 * @example
 * ```ts
 * await connect(math, child, { serialization: 'advanced', timeout: 1_000 })
 * ```
 */
export interface ConnectOptions extends WorkerOptions {
  /** Must be what the child was spawned with (`spawn`'s `serialization`). Default `json`. */
  serialization?: Serialization | undefined
  /**
   * forkrpc reads a piped stderr to quote its last lines in errors, which consumes it; set
   * this to also copy it to this process's stderr. Default false (you piped it, so you may
   * be reading it yourself).
   */
  forwardStderr?: boolean | undefined
}

/**
 * Wraps a child process that you spawned with an IPC channel, and whose module calls
 * `serve()`, in the same worker interface as {@link (fork:1)}, after the same handshake.
 * If its stderr is piped, errors quote its last lines. A child that forkrpc already speaks
 * over (connected before, or started by `fork()`) is a TypeError: one channel carries one worker.
 *
 * @example
 * ```ts
 * import { spawn } from 'node:child_process'
 * const child = spawn(process.execPath, ['math.worker.js'], { stdio: ['pipe', 'pipe', 'pipe', 'ipc'] })
 * await using worker = await connect(math, child)
 * await worker.call.add({ a: 1, b: 2 })
 * ```
 */
export function connect<C extends ContractWithoutHost>(contract: C, child: ChildProcess, options?: ConnectOptions): Promise<RpcWorker<C>>
/**
 * Connects to a child whose contract declares host procedures: `options.host` must give their handlers.
 *
 * @example
 * ```ts
 * await connect(app, child, { host: { getConfig: (key) => config[key] } })
 * ```
 */
export function connect<C extends Contract>(contract: C, child: ChildProcess, options: ConnectOptions & HostOption<C>): Promise<RpcWorker<C>>
export async function connect<C extends Contract>(contract: C, child: ChildProcess, options: ConnectOptions & { host?: unknown } = {}): Promise<RpcWorker<C>> {
  assertContract(contract, 'connect(contract, child)')
  checkWorkerOptions(options, 'connect()')
  checkHostHandlers(contract, options.host, 'connect()')
  if (typeof child?.send !== 'function') {
    throw new TypeError("connect(contract, child): the child has no IPC channel; spawn it with an 'ipc' entry in stdio, e.g. ['pipe', 'pipe', 'pipe', 'ipc']")
  }
  if (isHandled(child)) {
    throw new TypeError("connect(contract, child): forkrpc already speaks over this child's IPC channel (fork() started it, or connect() took it); one channel carries one worker")
  }
  const serialization = options.serialization ?? 'json'
  const label = `${child.spawnfile ?? 'child'} (pid ${child.pid})`
  const handle = processHandle(child, { serialization, label, forwardStderr: options.forwardStderr ?? false, processGroup: false, killTimeout: stopLimits(options).killTimeout, maxMessageBytes: options.maxMessageBytes, maxPending: options.maxPending })
  const worker = await startWorker(contract, handle, options, {}, (peer, limits) => new ProcessWorker(peer, handle, limits, child))
  return worker as unknown as RpcWorker<C>
}
