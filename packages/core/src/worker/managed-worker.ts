/**
 * The worker object, the same for a process and a thread: its peer's client, its state
 * (`ready` → `closing` → `gone`), and its staged close.
 */
import type { ChildProcess } from 'node:child_process'
import type { Worker } from 'node:worker_threads'
import { checkStopOptions } from '../base/timeouts.js'
import type { Client, EventSource, Notify } from '../contract/call-types.js'
import type { Contract } from '../contract/define-contract.js'
import { workerClosed } from '../errors/worker-errors.js'
import type { Peer } from '../rpc/peer.js'
import { clientOf } from '../rpc/peer-roles.js'
import type { ExitResult, StopOptions } from '../supervision/registry.js'
import type { CloseOptions } from '../supervision/registry.js'
import type { ContractWorker, RpcWorker, ThreadWorker } from './contract-worker.js'
import { stopWorker } from './stop.js'
import type { WorkerHandle } from './worker-handle.js'

/** Where a ready worker is: taking calls, stopping, or gone. */
export type ManagedWorkerState = 'ready' | 'closing' | 'gone'

/** A ready worker, process or thread. */
export class ManagedWorker<C extends Contract> implements ContractWorker<C> {
  readonly call: Client<C>
  readonly on: EventSource<C>['on']
  readonly events: EventSource<C>['events']
  readonly notify: Notify<C>
  readonly peer: Peer
  readonly handle: WorkerHandle
  /** The worker's inspector URL, when it was started with `inspect`. */
  readonly inspectorUrl: string | undefined
  readonly #limits: StopOptions
  #state: ManagedWorkerState = 'ready'
  #closing: Promise<ExitResult> | undefined

  constructor(peer: Peer, handle: WorkerHandle, limits: StopOptions, inspectorUrl?: string) {
    const client = clientOf<C>(peer)
    this.call = client.call
    this.on = client.on
    this.events = client.events
    this.notify = client.notify
    this.peer = peer
    this.handle = handle
    this.inspectorUrl = inspectorUrl
    this.#limits = limits
    void handle.gone.then(() => (this.#state = 'gone'))
  }

  get state(): ManagedWorkerState {
    return this.#state
  }

  /** Calls waiting for a reply, plus cancelled calls whose handler has not settled yet. */
  get inFlight(): number {
    return this.peer.caller.table.size + this.peer.caller.table.lingering.size
  }

  close(options: CloseOptions = {}): Promise<ExitResult> {
    if (this.#closing !== undefined) return this.#closing
    try {
      checkStopOptions(options, 'close()')
    } catch (error) {
      return Promise.reject(error)
    }
    const limits: StopOptions = { grace: options.grace ?? this.#limits.grace, killTimeout: options.killTimeout ?? this.#limits.killTimeout }
    if (this.#state === 'ready') this.#state = 'closing'
    this.peer.caller.refuse((procedure) => workerClosed(procedure))
    const handle = this.handle
    handle.stopping()
    if (handle.running()) handle.hold(true) // close() holds the event loop until the worker is gone
    // Resolved only once every call has settled too (the channel closes just after the exit).
    this.#closing = stopWorker(handle, this.peer.caller.table.drained(), limits).then(async (result) => {
      await handle.gone
      return result
    })
    return this.#closing
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close()
  }
}

export class ProcessWorker<C extends Contract> extends ManagedWorker<C> implements RpcWorker<C> {
  readonly pid: number
  readonly #child: ChildProcess

  constructor(peer: Peer, handle: WorkerHandle, limits: StopOptions, child: ChildProcess, inspectorUrl?: string) {
    super(peer, handle, limits, inspectorUrl)
    this.pid = handle.pid
    this.#child = child
  }

  get process(): ChildProcess {
    return this.#child
  }
}

export class SpawnedThread<C extends Contract> extends ManagedWorker<C> implements ThreadWorker<C> {
  readonly threadId: number
  readonly thread: Worker

  constructor(peer: Peer, handle: WorkerHandle, limits: StopOptions, thread: Worker, inspectorUrl?: string) {
    super(peer, handle, limits, inspectorUrl)
    this.threadId = thread.threadId
    this.thread = thread
  }
}
