/**
 * Simulated pool workers for the pool's model-based test: each one is a real worker-side
 * peer (the handler side, its line and its deadlines) behind a channel that behaves like a
 * process's on a fake clock. A synchronous handler blocks its worker: nothing reaches it and
 * nothing leaves it until the handler returns, as on a real event loop. The pool talks to
 * them through the `WorkerStarter` seam with the real parent-side peer, so everything from
 * the pool down to the wire protocol is the real code; only the process is simulated.
 */
import type { Channel, CloseReason } from '../../packages/core/src/channel/channel.js'
import { defineContract } from '../../packages/core/src/contract/define-contract.js'
import { procedure } from '../../packages/core/src/contract/procedure.js'
import { startupFailed, workerExited, type ExitDetails } from '../../packages/core/src/errors/worker-errors.js'
import type { WorkerStarter } from '../../packages/core/src/pool/launch-worker.js'
import { parentPeer, workerPeer } from '../../packages/core/src/rpc/peer-roles.js'
import type { RunningCall } from '../../packages/core/src/rpc/running-call.js'
import { ManagedWorker } from '../../packages/core/src/worker/managed-worker.js'
import type { WorkerHandle } from '../../packages/core/src/worker/worker-handle.js'

/** One call's work: `ms` of it (`-1`: never ends), run synchronously (blocks the worker) or not (stops on its signal). */
export interface Job {
  readonly id: number
  readonly ms: number
  readonly sync: boolean
}

/** What the simulated workers serve. */
export const simContract = defineContract({
  work: procedure<Job, number>(),
  workIdempotent: procedure<Job, number>({ idempotent: true }),
})

/** A handler's run, as its worker saw it (fake-clock times). */
export interface HandlerRun {
  readonly id: number
  readonly worker: number
  readonly startedAt: number
  /** The deadline the call arrived with (`Date.now()` time), if any. */
  readonly deadline: number | undefined
  endedAt: number | undefined
}

const forever = new Promise<never>(() => undefined)

/** Both ends of one simulated process's channel; the worker's end stops while a synchronous handler runs. */
class SimulatedLink {
  readonly toWorker: object[] = []
  readonly toParent: object[] = []
  /** Sent by the worker while it was blocked: on the wire only once it is free again. */
  readonly heldOut: object[] = []
  readonly parentListeners = new Set<(message: unknown) => void>()
  readonly workerListeners = new Set<(message: unknown) => void>()
  readonly parentClose: Array<(reason: CloseReason) => void> = []
  blocked = false
  closed: CloseReason | undefined
  #scheduled = false

  /** Hears every message the parent sends (`q` requests, `c` cancels), as it is sent. */
  onParentSend: (message: Record<string, unknown>) => void = () => undefined

  parentEnd(): Channel & { close(reason: CloseReason): void; flush(): void; flushed(): Promise<void> } {
    return {
      serialization: 'json',
      send: (message) => {
        if (this.closed === undefined) this.onParentSend(message as Record<string, unknown>)
        this.#send(this.toWorker, message)
      },
      receive: (listener) => {
        this.parentListeners.add(listener)
        return () => this.parentListeners.delete(listener)
      },
      onClose: (listener) => {
        if (this.closed === undefined) this.parentClose.push(listener)
        else listener(this.closed)
      },
      close: (reason) => this.close(reason),
      flush: () => undefined,
      flushed: () => Promise.resolve(),
    }
  }

  workerEnd(): Channel {
    return {
      serialization: 'json',
      send: (message) => this.#send(this.blocked ? this.heldOut : this.toParent, message),
      receive: (listener) => {
        this.workerListeners.add(listener)
        return () => this.workerListeners.delete(listener)
      },
      onClose: () => undefined,
    }
  }

  close(reason: CloseReason): void {
    if (this.closed !== undefined) return
    this.closed = reason
    this.toWorker.length = this.toParent.length = this.heldOut.length = 0
    for (const listener of this.parentClose.splice(0)) listener(reason)
  }

  /** The worker's synchronous handler returned: what it held goes out, what waited comes in. */
  unblock(): void {
    this.blocked = false
    this.schedule()
  }

  schedule(): void {
    if (this.#scheduled || this.closed !== undefined) return
    this.#scheduled = true
    setTimeout(() => {
      this.#scheduled = false
      this.#flush()
    }, 0)
  }

  #send(box: object[], message: object): void {
    if (this.closed !== undefined) return
    box.push(JSON.parse(JSON.stringify(message)) as object)
    this.schedule()
  }

  #flush(): void {
    if (this.closed !== undefined) return
    if (!this.blocked) this.toParent.push(...this.heldOut.splice(0))
    for (let message = this.toParent.shift(); message !== undefined && this.closed === undefined; message = this.toParent.shift()) {
      for (const listener of this.parentListeners) listener(message)
    }
    while (!this.blocked && this.closed === undefined && this.toWorker.length > 0) {
      const message = this.toWorker.shift() as object
      for (const listener of this.workerListeners) listener(message)
    }
  }
}

/** One simulated worker process. */
export class SimulatedWorker {
  readonly number: number
  readonly link = new SimulatedLink()
  readonly handle: WorkerHandle
  running = true
  /** How it ended: `crash` (the test), `kill` (the pool: runaway, or a stop's last stage), `shutdown`, `term`. */
  endedBy: 'crash' | 'kill' | 'shutdown' | 'term' | undefined
  readonly #exit: (details: ExitDetails) => void
  #shutdown: () => void = () => undefined

  constructor(number: number) {
    this.number = number
    let exit!: (details: ExitDetails) => void
    const exited = new Promise<ExitDetails>((resolve) => (exit = resolve))
    this.#exit = exit
    const worker = this
    this.handle = {
      runtime: 'process',
      label: `simulated worker ${number}`,
      pid: 100_000 + number,
      threadId: undefined,
      channel: this.link.parentEnd(),
      exited,
      gone: exited,
      ended: exited,
      running: () => worker.running,
      resume: () => undefined,
      requestShutdown: () => worker.#shutdown(),
      terminate: () => worker.end('term', { exitCode: null, signal: 'SIGTERM' }),
      terminated: () => worker.endedBy === 'term',
      kill: () => worker.end('kill', { exitCode: null, signal: 'SIGKILL' }),
      killed: () => worker.endedBy === 'kill',
      hold: () => undefined,
      stopping: () => undefined,
      explainEarlyExit: () => 'it exited',
      startError: () => undefined,
    }
  }

  /** Serves the contract; a shutdown request waits for its handlers, as `serve()` does. */
  serve(runs: HandlerRun[], concurrency: number): void {
    const worker = this
    const run = (job: Job, ctx: RunningCall): Promise<number> => {
      const record: HandlerRun = { id: job.id, worker: worker.number, startedAt: Date.now(), deadline: ctx.deadline, endedAt: undefined }
      runs.push(record)
      const ended = (value: number): number => {
        record.endedAt = Date.now()
        return value
      }
      if (job.sync) return worker.#block(job.ms).then(ended)
      if (job.ms < 0) return forever
      return new Promise<number>((resolve, reject) => {
        const timer = setTimeout(() => resolve(ended(job.ms)), job.ms)
        ctx.signal.addEventListener('abort', () => {
          clearTimeout(timer)
          ended(0)
          reject(ctx.signal.reason)
        })
      })
    }
    const handlers = { work: run, workIdempotent: run } as never
    const peer = workerPeer(simContract, handlers, this.link.workerEnd(), {}, { where: 'simulated worker', lifecycle: () => undefined, settled: undefined })
    peer.handler.limitConcurrency(concurrency)
    this.#shutdown = () => {
      peer.handler.refuse('The worker is shutting down')
      void peer.handler.drained().then(() => this.end('shutdown', { exitCode: 0, signal: null }))
    }
  }

  /** A synchronous handler: the worker does nothing else for `ms` (`-1`: ever). */
  #block(ms: number): Promise<number> {
    this.link.blocked = true
    if (ms < 0) return forever
    return new Promise((resolve) =>
      setTimeout(() => {
        if (!this.running) return
        this.link.unblock()
        resolve(ms)
      }, ms),
    )
  }

  /** The process exits: its calls in flight fail with WorkerExitedError. */
  end(by: NonNullable<SimulatedWorker['endedBy']>, details: ExitDetails): void {
    if (!this.running) return
    this.running = false
    this.endedBy = by
    this.link.close((procedure, inFlight) => workerExited(details, procedure, inFlight))
    this.#exit(details)
  }
}

/**
 * The workers a pool started, and its `starter`: each worker is ready `startupMs` after it
 * is asked for.
 *
 * @example
 * ```ts
 * const sim = new SimulatedWorkers(10)
 * const { pool } = assemblePool(simContract, 'simulated', { max: 2 }, sim.starter)
 * ```
 */
export class SimulatedWorkers {
  readonly workers: SimulatedWorker[] = []
  readonly runs: HandlerRun[] = []
  /** Every request the pool sent (job id, fake-clock time), and every message kind it sent, counted. */
  readonly requests: Array<{ readonly id: number; readonly at: number }> = []
  readonly sentKinds = new Map<string, number>()
  readonly #startupMs: number

  constructor(startupMs: number) {
    this.#startupMs = startupMs
  }

  readonly starter: WorkerStarter = async (contract, _module, start, extras) => {
    const worker = new SimulatedWorker(this.workers.length + 1)
    this.workers.push(worker)
    worker.link.onParentSend = (message) => {
      const kind = message.t === 'c' ? `c:${String(message.r)}` : String(message.t)
      this.sentKinds.set(kind, (this.sentKinds.get(kind) ?? 0) + 1)
      if (message.t === 'q') this.requests.push({ id: (message.v as Job).id, at: Date.now() })
    }
    extras.onSpawn(worker.handle.pid)
    await new Promise((resolve) => setTimeout(resolve, this.#startupMs))
    if (!worker.running) throw startupFailed(worker.handle.label, 'it exited before it was ready', { exitCode: 1, signal: null })
    worker.serve(this.runs, extras.concurrency ?? Infinity)
    const peer = parentPeer(contract, worker.handle.channel, start.options, { lifecycle: () => undefined, observe: extras.observe })
    return new ManagedWorker(peer, worker.handle, { grace: 50, killTimeout: 50 })
  }

  /** How many times the handler of call `id` started. */
  runsOf(id: number): number {
    let runs = 0
    for (const run of this.runs) if (run.id === id) runs += 1
    return runs
  }

  /** The workers still running. */
  get live(): SimulatedWorker[] {
    return this.workers.filter((worker) => worker.running)
  }
}
