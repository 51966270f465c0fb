/**
 * A worker: a child process with an IPC channel, after the ready handshake, with its typed
 * client and its lifecycle (exit tracking, staged close). `fork()` and `connect()` both
 * end here.
 */
import type { ChildProcess } from 'node:child_process'
import pTimeout from 'p-timeout'
import type { Channel } from './channel.js'
import { checkCallerStacks, createClient, type Client, type ClientCore } from './client.js'
import type { CloseOptions, ContractWorker } from './contract-worker.js'
import type { EventSource } from './event-hub.js'
import type { HostHandlers } from './host.js'
import type { Serialization } from './codec.js'
import { checkTimeout, MAX_TIMER_MS, type Contract } from './contract.js'
import { debug } from './debug.js'
import { ChannelClosedError, ContractMismatchError, StartupError, type ExitDetails } from './errors.js'
import { checkLimit, type MessageLimitOptions } from './limits.js'
import { PROTOCOL_VERSION, readMessage, type MemoryLimits, type ProtocolMessage } from './protocol.js'
import { endGroup, PROCESS_GROUPS_SUPPORTED, signalGroup } from './process-group.js'
import { watchChildProcess, type WatchedChild } from './process-channel.js'
import { track, type WorkerState } from './registry.js'
import { stopProcess, type ExitResult, type StopOptions } from './terminate.js'

/**
 * Options of a worker that `fork()` and `connect()` share.
 *
 * @example
 * ```ts
 * const options: WorkerOptions = { timeout: 1_000, startupTimeout: 5_000, grace: 2_000, killTimeout: 1_000 }
 * ```
 */
export interface WorkerOptions extends MessageLimitOptions {
  /** Default timeout of every call in milliseconds; `0` or `Infinity` (the default) for none. */
  timeout?: number
  /** How long the worker has to call `serve()` before `fork()` rejects with StartupError. Default 10,000 ms. */
  startupTimeout?: number
  /** How long `close()` lets calls in flight finish before SIGTERM. Default 5,000 ms. */
  grace?: number
  /** How long `close()` waits after SIGTERM before SIGKILL. Default 5,000 ms. */
  killTimeout?: number
  /**
   * How many calls may wait for their replies at once; a call beyond that rejects at once
   * with TooManyPendingCallsError. Default 100,000; `Infinity` turns the check off.
   */
  maxPending?: number
  /**
   * Join the caller's frames to the stack of a failed call's error (default true; recorded
   * only while fewer than 16 calls are in flight). Recording costs ~2.5-6 µs per call, so
   * `false` makes a tiny call ~15% faster; errors then carry the child's frames and the
   * `at <forkrpc call "name" from the parent>` line only.
   */
  callerStacks?: boolean
}

export type { CloseOptions } from './contract-worker.js'

/**
 * A running worker: its typed client and its process.
 *
 * @example
 * ```ts
 * await using worker = await fork(math, new URL('./math.worker.js', import.meta.url))
 * console.log(worker.pid, await worker.call.add({ a: 1, b: 2 }))
 * ```
 */
export interface RpcWorker<C extends Contract> extends ContractWorker<C> {
  /** One async function per procedure of the contract. */
  readonly call: Client<C>
  /** The worker process's pid. */
  readonly pid: number
  /** The underlying ChildProcess (for its stdout, say). Prefer `close()` to killing it. */
  readonly process: ChildProcess
  /**
   * Stops the worker in stages: no new calls; calls in flight get `grace` ms to finish; the
   * IPC channel closes (`serve()` then exits 0); SIGTERM; SIGKILL after `killTimeout` ms.
   * Resolves once the process has exited. Calling it again returns the same result.
   */
  close(options?: CloseOptions): Promise<ExitResult>
  /** The same as `close()`, for `await using`. */
  [Symbol.asyncDispose](): Promise<void>
}

/** What `attachWorker` needs to know besides the shared options. */
export interface AttachOptions extends WorkerOptions {
  serialization: Serialization
  /** How errors name the worker: its module path, or its pid. */
  label: string
  /** Copy the child's stderr to this process's stderr (when forkrpc piped it). */
  forwardStderr: boolean
  /** The handlers of the contract's host procedures (checked by the caller). */
  host?: unknown
  /** The child leads its own process group, which is signalled as a whole and emptied when it exits. */
  processGroup?: boolean
  /** Memory limits the worker reports going over (for a pool's recycling). */
  memoryLimits?: MemoryLimits
}

/**
 * What a pool needs of its workers beyond the public interface. Kept out of RpcWorker so
 * that the public surface stays small.
 */
export interface WorkerInternals {
  readonly client: ClientCore<Contract>
  /** Resolves once the process has exited and every call in flight has been rejected. */
  readonly gone: Promise<ExitDetails>
  /** Adds a listener for forkrpc messages from the worker (after the client has seen them). */
  onMessage(listener: (message: ProtocolMessage) => void): void
  /** SIGKILLs the worker (and its process group) at once. */
  kill(): void
}

const internals = new WeakMap<object, WorkerInternals>()

/** The internals of a worker made by attachWorker. */
export function internalsOf(worker: RpcWorker<Contract>): WorkerInternals {
  const found = internals.get(worker)
  if (found === undefined) throw new TypeError('not a worker made by fork() or connect()')
  return found
}

const DEFAULTS = { startupTimeout: 10_000, grace: 5_000, killTimeout: 5_000 }
const startupTimedOut = Symbol('startup timed out')
export const exitedEarly = Symbol('exited before ready')

/**
 * Tracks `child`, waits for its ready handshake and returns the worker. On any startup
 * failure the child is killed and awaited before this rejects, so nothing is left behind.
 */
export async function attachWorker<C extends Contract>(contract: C, child: ChildProcess, options: AttachOptions): Promise<RpcWorker<C>> {
  const watched = watchChildProcess(child, options.serialization, options.label, options.forwardStderr)
  const { channel, exited } = watched
  const killTimeout = options.killTimeout ?? DEFAULTS.killTimeout
  const group = options.processGroup === true && PROCESS_GROUPS_SUPPORTED && child.pid !== undefined ? child.pid : undefined
  const kill = (signal: NodeJS.Signals): void => {
    if (group === undefined || !signalGroup(group, signal)) child.kill(signal)
  }
  // Grandchildren in the worker's group must not outlive it, however it ended.
  const gone = group === undefined ? watched.gone : watched.gone.then(async (details) => (await endGroup(group, killTimeout), details))
  let worker: ProcessWorker<C> | undefined
  const untrack = track({
    info: () => ({ pid: child.pid ?? 0, module: options.label, state: worker?.state ?? 'starting', inFlight: worker?.inFlight ?? 0 }),
    stop: (limits) => {
      if (worker !== undefined) return worker.close(limits)
      // Still starting: its fork() rejects with StartupError once it has exited.
      return stopProcess(child, exited, Promise.resolve(), { grace: 0, killTimeout: limits.killTimeout ?? killTimeout }, { requestShutdown: () => undefined, kill })
    },
    kill: () => {
      if (child.exitCode === null && child.signalCode === null) kill('SIGKILL')
    },
  })
  void gone.then(untrack)
  try {
    // p-timeout refuses 0 ms (here: time out at once) and setTimeout cannot wait more than
    // 2^31-1 ms (here: wait as long as it takes).
    const startupTimeout = options.startupTimeout ?? DEFAULTS.startupTimeout
    await pTimeout(handshake(contract, channel, options.label, exited), {
      milliseconds: startupTimeout > MAX_TIMER_MS ? Infinity : Math.max(startupTimeout, 1),
      message: false,
      fallback: () => {
        throw startupTimedOut
      },
    })
  } catch (failure) {
    if (child.exitCode === null && child.signalCode === null) kill('SIGKILL')
    const details = await gone
    if (failure === startupTimedOut) {
      throw new StartupError(options.label, `it did not call serve() within ${options.startupTimeout ?? DEFAULTS.startupTimeout} ms, so it was killed`, details)
    }
    if (failure === exitedEarly) {
      const spawnError = watched.spawnError()
      if (spawnError !== undefined) throw new StartupError(options.label, `it could not be started: ${spawnError.message}`, details, spawnError)
      throw new StartupError(options.label, explainEarlyExit(options.label, details), details)
    }
    throw failure
  }
  channel.send(options.memoryLimits === undefined ? { $fr: PROTOCOL_VERSION, t: 'ha', s: options.serialization } : { $fr: PROTOCOL_VERSION, t: 'ha', s: options.serialization, l: options.memoryLimits })
  // An idle worker does not keep the parent alive: a script that is done exits, and the
  // worker, seeing its channel close, exits too. Calls in flight and close() hold it.
  watched.hold(false)
  const client = createClient(contract, channel, clientOptions<C>(options))
  worker = new ProcessWorker(client, child, watched, gone, kill, options)
  const messageListeners: Array<(message: ProtocolMessage) => void> = []
  channel.receive((received) => {
    if (messageListeners.length === 0) return
    const message = readMessage(received)
    if (message) for (const listener of messageListeners) listener(message)
  })
  internals.set(worker, {
    client: client as unknown as ClientCore<Contract>,
    gone,
    onMessage: (listener) => void messageListeners.push(listener),
    kill: () => kill('SIGKILL'),
  })
  return worker
}

/** Resolves when the child announces the right contract; rejects on a mismatch or an early exit (shared with spawnThread). */
export function handshake(contract: Contract, channel: Channel, label: string, exited: Promise<ExitDetails>): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const stop = channel.receive((received) => {
      if (typeof received !== 'object' || received === null || !Object.hasOwn(received, '$fr') || (received as { t?: unknown }).t !== 'h') return
      stop()
      const version = (received as { $fr: unknown }).$fr
      const message = readMessage(received)
      if (version !== PROTOCOL_VERSION) {
        reject(new ContractMismatchError(`Worker ${label} speaks forkrpc protocol ${JSON.stringify(version)}, this parent speaks ${PROTOCOL_VERSION}: install the same @forkrpc/core version on both sides`))
        return
      }
      if (!message || message.t !== 'h') {
        reject(new ContractMismatchError(`Worker ${label} sent a malformed ready message: ${JSON.stringify(received).slice(0, 200)}`))
        return
      }
      const served = new Set(message.n)
      const missing = contract.names.filter((name) => !served.has(name))
      const unexpected = message.n.filter((name) => !contract.names.includes(name))
      if (missing.length > 0 || unexpected.length > 0) {
        const parts = []
        if (missing.length > 0) parts.push(`it does not serve ${missing.map((n) => `"${n}"`).join(', ')}`)
        if (unexpected.length > 0) parts.push(`it serves ${unexpected.map((n) => `"${n}"`).join(', ')}, which the parent's contract lacks`)
        reject(new ContractMismatchError(`Worker ${label} serves a different contract: ${parts.join('; ')}`, missing, unexpected))
        return
      }
      resolve()
    })
    void exited.then(() => reject(exitedEarly))
    // The child's first ready message is lost if it came before this listener (connect()).
    // `n` names the procedures this parent expects; serve() ignores it, while the generic
    // fixture workers of @forkrpc/testing announce exactly these, so they fit any contract.
    channel.send({ $fr: PROTOCOL_VERSION, t: 'hq', n: [...contract.names] })
  })
}

function explainEarlyExit(label: string, details: ExitDetails): string {
  const how = details.signal ? `it was killed by ${details.signal}` : `it exited with code ${details.exitCode}`
  const stderr = details.stderr ?? ''
  if (/ERR_UNKNOWN_FILE_EXTENSION/.test(stderr) && /\.[cm]?ts$/.test(label)) {
    return `${how}: Node cannot load a .ts worker by itself. Run the parent under tsx (its loader is passed on to the worker), or pass execArgv: ['--import', 'tsx'] to fork()`
  }
  if (details.exitCode === 0) return `${how} without calling serve(contract, handlers)`
  return `${how} before calling serve()`
}

class ProcessWorker<C extends Contract> implements RpcWorker<C> {
  readonly call: Client<C>
  readonly on: EventSource<C>['on']
  readonly events: EventSource<C>['events']
  readonly notify: ClientCore<C>['notify']
  readonly pid: number
  readonly #child: ChildProcess
  readonly #client: ClientCore<C>
  readonly #watched: WatchedChild
  readonly #gone: Promise<ExitDetails>
  readonly #kill: (signal: NodeJS.Signals) => void
  readonly #defaults: StopOptions
  #closing: Promise<ExitResult> | undefined

  constructor(client: ClientCore<C>, child: ChildProcess, watched: WatchedChild, gone: Promise<ExitDetails>, kill: (signal: NodeJS.Signals) => void, options: WorkerOptions) {
    this.#watched = watched
    this.call = client.call
    this.on = client.on
    this.events = client.events
    this.notify = client.notify
    this.pid = child.pid as number
    this.#client = client
    this.#child = child
    this.#gone = gone
    this.#kill = kill
    this.#defaults = { grace: options.grace ?? DEFAULTS.grace, killTimeout: options.killTimeout ?? DEFAULTS.killTimeout }
  }

  get process(): ChildProcess {
    return this.#child
  }

  get state(): WorkerState {
    return this.#closing === undefined ? 'ready' : 'closing'
  }

  get inFlight(): number {
    return this.#client.pending + this.#client.lingering.size
  }

  close(options: CloseOptions = {}): Promise<ExitResult> {
    if (this.#closing === undefined) {
      const limits: StopOptions = { grace: options.grace ?? this.#defaults.grace, killTimeout: options.killTimeout ?? this.#defaults.killTimeout }
      try {
        checkTimeout(limits.grace, 'close({ grace })')
        checkTimeout(limits.killTimeout, 'close({ killTimeout })')
      } catch (error) {
        return Promise.reject(error)
      }
      this.#client.refuse((procedure) => new ChannelClosedError(procedure))
      this.#watched.stopping()
      if (this.#child.exitCode === null && this.#child.signalCode === null) this.#watched.hold(true)
      const watched = this.#watched
      const hooks = {
        requestShutdown: () => {
          watched.channel.send({ $fr: PROTOCOL_VERSION, t: 's' })
          watched.flush() // disconnect() comes next and would drop what is still queued
        },
        kill: this.#kill,
      }
      // Resolve only once every call has settled too (the channel closes just after the exit).
      this.#closing = stopProcess(this.#child, this.#watched.exited, this.#client.drained(), limits, hooks).then(async (result) => {
        await this.#gone
        return result
      })
    }
    return this.#closing
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close()
  }
}

/** The client's options from a worker's (fork, connect, spawnThread). */
export function clientOptions<C extends Contract>(options: WorkerOptions & { host?: unknown }): Parameters<typeof createClient<C>>[2] {
  return {
    timeout: options.timeout,
    callerStacks: options.callerStacks,
    maxPending: options.maxPending,
    maxMessageBytes: options.maxMessageBytes,
    host: options.host as HostHandlers<C> | undefined,
  }
}

/** Throws a TypeError for a bad timing option; shared by fork() and connect(). */
export function checkWorkerOptions(options: WorkerOptions): void {
  for (const key of ['timeout', 'startupTimeout', 'grace', 'killTimeout'] as const) checkTimeout(options[key], key)
  for (const key of ['maxPending', 'maxMessageBytes'] as const) checkLimit(options[key], key)
  checkCallerStacks(options.callerStacks)
}
