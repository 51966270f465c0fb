/**
 * A small world for the model-based test of the shutdown (shutdown.property.test.ts), on the
 * fake clock. Real: the app's state (AppShutdown), the registry and its shutdownAll(),
 * handleSignals()' state machine (SignalShutdown), a pool's state (PoolStatus), and per
 * worker the parent's lead of its SIGTERM (SigtermLead), its staged stop (stopWorker) and the
 * worker's own SIGTERM handling (SigtermHandling). Fake: the processes (a worker runs calls
 * as timers; shutting down, it aborts them and exits EXIT_MS later), the channel between them
 * (CHANNEL_MS each way) and the signals, delivered by the commands. The world keeps what the
 * model says may happen and records every violation it sees as it happens.
 */
import { AppShutdown } from '../../packages/core/src/supervision/app-shutdown.js'
import { WorkerRegistry, type ExitResult, type ShutdownResult, type StopOptions } from '../../packages/core/src/supervision/registry.js'
import { SignalShutdown, type SignalSource } from '../../packages/core/src/supervision/signal-shutdown.js'
import { PoolStatus } from '../../packages/core/src/pool/pool-state.js'
import { SigtermHandling } from '../../packages/core/src/serve/sigterm-handling.js'
import { SIGTERM_SETTLE_MS, SigtermLead } from '../../packages/core/src/worker/sigterm-lead.js'
import { stopWorker } from '../../packages/core/src/worker/stop.js'
import type { WorkerHandle } from '../../packages/core/src/worker/worker-handle.js'
import type { ExitDetails } from '../../packages/core/src/errors/worker-errors.js'

export const CHANNEL_MS = 1
export const EXIT_MS = 5

/** How the app handles its signals: handleSignals() with a beforeShutdown, or a SIGTERM listener of its own. */
export type AppMode = 'signals' | 'own'

export interface WorldConfig {
  readonly mode: AppMode
  readonly workers: number
  readonly limits: StopOptions
  readonly beforeShutdownTimeout: number
  /** When each worker gets its parent's ack, in ms. */
  readonly ackDelays: readonly number[]
}

/** One worker: its process (the "child" fields) and the parent's side of it. */
export class WorldWorker {
  readonly id: number
  // The child process.
  readonly handling: SigtermHandling
  alive = true
  connected = true
  acked = false
  shutdownCause: string | undefined
  reports = 0
  sigterms = 0
  readonly #calls = new Map<number, NodeJS.Timeout>()
  // The parent's side.
  state: 'ready' | 'closing' | 'gone' = 'ready'
  readonly lead: SigtermLead
  readonly handle: WorkerHandle
  stHeardAt: number | undefined
  /** When its parent's stop reached the firm stage (SIGTERM). */
  terminatedAt: number | undefined
  /** Calls may fail: it crashed, got a second SIGTERM, was killed or given the firm stage. */
  failuresAllowed = false
  readonly #world: World
  #closing: Promise<ExitResult> | undefined
  #terminated = false
  #killed = false
  readonly #exited: Promise<ExitDetails>
  #resolveExited!: (details: ExitDetails) => void
  #drainWaiters: Array<() => void> = []
  #nextCall = 0

  constructor(world: World, id: number, ackDelay: number) {
    this.#world = world
    this.id = id
    this.#exited = new Promise((resolve) => (this.#resolveExited = resolve))
    this.handling = new SigtermHandling({
      connected: () => this.connected,
      report: () => {
        this.reports += 1
        this.#toParent()
      },
      shutDown: () => {
        // Its parent acks with `st`: a SIGTERM alone is the parent's to lead.
        if (this.sigterms < 2 && this.connected) world.violation(`worker ${id} shut down by itself on its first SIGTERM`)
        this.#shutDown('SIGTERM')
      },
    })
    this.handle = this.#makeHandle()
    this.lead = new SigtermLead({
      appStopping: () => world.app.stopping,
      closing: () => this.state !== 'ready',
      terminated: () => this.#terminated,
      shutDownNow: () => this.#toChild(false),
      stop: () => {
        if (world.app.stopping) world.violation(`the lead stopped worker ${id} while the app was shutting down`)
        void this.close(world.config.limits)
      },
    })
    const untrack = world.registry.track({
      info: () => ({ runtime: 'process', pid: id, threadId: undefined, module: `w${id}`, state: this.state === 'ready' ? 'ready' : 'closing', inFlight: this.#calls.size }),
      stop: (limits) => this.close({ grace: limits.grace ?? world.config.limits.grace, killTimeout: limits.killTimeout ?? world.config.limits.killTimeout }),
      kill: () => this.handle.kill(),
    })
    void this.#exited.then(() => {
      this.state = 'gone'
      this.lead.gone()
      untrack()
    })
    setTimeout(() => {
      this.acked = true
      this.handling.acked(true)
    }, ackDelay)
  }

  get inFlight(): number {
    return this.#calls.size
  }

  /** Whether the parent may send it a call: ready, acked, alive. */
  get callable(): boolean {
    return this.state === 'ready' && this.acked && this.alive && this.connected
  }

  /** A call of `ms` ms: it succeeds, unless the worker shuts down or dies first. */
  call(ms: number): void {
    const id = this.#nextCall++
    this.#calls.set(
      id,
      setTimeout(() => this.#settled(id), ms),
    )
  }

  /** A SIGTERM reaches the worker's process. */
  sigterm(): void {
    if (!this.alive) return
    this.sigterms += 1
    if (this.sigterms >= 2) this.failuresAllowed = true
    this.handling.heard()
  }

  /** It dies by itself. */
  crash(): void {
    if (!this.alive) return
    this.failuresAllowed = true
    this.#exit(1, null)
  }

  /** The parent's staged close (ManagedWorker.close()). */
  close(limits: StopOptions): Promise<ExitResult> {
    if (this.#closing !== undefined) return this.#closing
    if (this.state === 'ready') this.state = 'closing'
    this.#closing = stopWorker(this.handle, this.#drained(), limits)
    return this.#closing
  }

  #drained(): Promise<void> {
    if (this.#calls.size === 0) return Promise.resolve()
    return new Promise((resolve) => this.#drainWaiters.push(resolve))
  }

  #settled(id: number, failure?: string): void {
    const timer = this.#calls.get(id)
    if (timer === undefined) return
    clearTimeout(timer)
    this.#calls.delete(id)
    if (failure !== undefined && !this.failuresAllowed) this.#world.violation(`a call in flight on worker ${this.id} failed (${failure})`)
    if (this.#calls.size === 0) for (const resolve of this.#drainWaiters.splice(0)) resolve()
  }

  #failAll(why: string): void {
    for (const id of [...this.#calls.keys()]) this.#settled(id, why)
  }

  /** The child's shutdown (serve's shutDown): running handlers aborted, then exit 0. */
  #shutDown(cause: string): void {
    if (this.shutdownCause !== undefined || !this.alive) return
    this.shutdownCause = cause
    if (this.reports > 0 && cause !== 'SIGTERM') this.#world.violation(`worker ${this.id} reported SIGTERM but shut down for ${cause}`)
    this.#failAll(`aborted: ${cause}`)
    setTimeout(() => this.#exit(0, null), EXIT_MS)
  }

  #exit(code: number | null, signal: NodeJS.Signals | null): void {
    if (!this.alive) return
    this.alive = false
    this.connected = false
    this.#failAll(signal ?? `exit ${code}`)
    this.#resolveExited({ exitCode: code, signal })
  }

  /** The worker's `st`, heard by the parent's lead. */
  #toParent(): void {
    setTimeout(() => {
      if (this.state === 'gone') return
      this.stHeardAt = Date.now()
      this.lead.heard()
    }, CHANNEL_MS)
  }

  /** The parent's `s`, and for the polite stage its disconnect after it. */
  #toChild(disconnect: boolean): void {
    setTimeout(() => {
      if (!this.alive || !this.connected) return
      this.#shutDown(this.handling.causeOfRequest())
      if (disconnect) this.connected = false
    }, CHANNEL_MS)
  }

  #makeHandle(): WorkerHandle {
    return {
      runtime: 'process',
      label: `w${this.id}`,
      pid: this.id,
      threadId: undefined,
      channel: undefined as never,
      exited: this.#exited,
      gone: this.#exited,
      ended: this.#exited,
      running: () => this.alive,
      resume: () => undefined,
      requestShutdown: () => this.#toChild(true),
      terminate: () => {
        this.#terminated = true
        this.terminatedAt ??= Date.now()
        this.failuresAllowed = true // the grace is over: what still runs may be aborted
        setTimeout(() => this.sigterm(), CHANNEL_MS)
      },
      terminated: () => this.#terminated,
      kill: () => {
        if (!this.alive) return
        // A worker here shuts down within a few ms of its parent's SIGTERM (CHANNEL_MS, EXIT_MS):
        // only a second signal (killAll) or a killTimeout shorter than that may kill it.
        if (!this.#world.killingAll && this.#world.config.limits.killTimeout >= 20) this.#world.violation(`worker ${this.id} was killed, although it obeys its parent's SIGTERM`)
        this.#killed = true
        this.failuresAllowed = true
        this.#exit(null, 'SIGKILL')
      },
      killed: () => this.#killed,
      hold: () => undefined,
      stopping: () => undefined,
      explainEarlyExit: () => '',
      startError: () => undefined,
    }
  }
}

/** The app, its workers and what the model expects of them. */
export class World {
  readonly config: WorldConfig
  readonly app = new AppShutdown()
  readonly registry = new WorkerRegistry(this.app)
  readonly pool = new PoolStatus(this.app)
  readonly workers: WorldWorker[] = []
  readonly violations: string[] = []
  /** Signals the parent got, in order. */
  readonly parentSignals: NodeJS.Signals[] = []
  readonly onShutdownCalls: Array<{ results: ShutdownResult[]; signal: NodeJS.Signals }> = []
  readonly raised: NodeJS.Signals[] = []
  /** shutdownAll() calls under way. */
  stopsUnderWay = 0
  hookStartedAt: number | undefined
  hookSettled = false
  drainRequested = false
  /** handleSignals() has begun stopping the workers. */
  stoppedBySignals = false
  /** handleSignals() is killing every worker (a second signal). */
  killingAll = false
  readonly #listeners = new Map<NodeJS.Signals, Set<(signal: NodeJS.Signals) => void>>()
  #settleHook: (() => void) | undefined

  constructor(config: WorldConfig) {
    this.config = config
    for (let i = 0; i < config.workers; i++) this.workers.push(new WorldWorker(this, i, config.ackDelays[i] ?? 0))
    this.registry.trackPool({
      close: async () => {
        this.pool.closing()
        await Promise.resolve()
        this.pool.closed()
        return [] // its workers are the world's, stopped through the registry
      },
    })
    if (config.mode === 'signals') {
      new SignalShutdown(
        {
          source: this.#source(),
          app: this.app,
          stopAll: (limits) => this.stopAll(limits, true),
          killAll: () => {
            this.killingAll = true
            this.registry.killAll()
            this.killingAll = false
          },
          limits: config.limits,
          beforeShutdown: () => this.#hook(),
          beforeShutdownTimeout: config.beforeShutdownTimeout,
          onShutdown: (results, signal) => {
            if (this.registry.workers().length > 0) this.violation('onShutdown came before every worker was gone')
            this.onShutdownCalls.push({ results, signal })
          },
        },
        ['SIGINT', 'SIGTERM'],
      )
    } else {
      // The app's own listener: forkrpc's watch marks the app as shutting down (sigterm-watch.ts);
      // the app closes its workers once its server has drained.
      this.#source().on('SIGTERM', () => {
        this.app.signalled('SIGTERM')
        if (this.drainRequested) void this.stopAll(config.limits, false)
      })
    }
  }

  violation(what: string): void {
    this.violations.push(`at ${Date.now()} ms: ${what}`)
  }

  /** A signal reaches the parent process. */
  signalParent(signal: NodeJS.Signals): void {
    this.parentSignals.push(signal)
    for (const listener of [...(this.#listeners.get(signal) ?? [])]) listener(signal)
  }

  /** The app's server has drained: beforeShutdown resolves; an app of its own closes its workers if signalled. */
  drain(): void {
    this.drainRequested = true
    this.#settleHook?.()
    if (this.config.mode === 'own' && this.parentSignals.includes('SIGTERM')) void this.stopAll(this.config.limits, false)
  }

  stopAll(limits: Partial<StopOptions>, byHandleSignals: boolean): Promise<ShutdownResult[]> {
    if (byHandleSignals && !this.mayStopWorkers()) this.violation('the workers were stopped before beforeShutdown settled or its bound passed')
    if (byHandleSignals) this.stoppedBySignals = true
    this.stopsUnderWay += 1
    return this.registry.shutdownAll(limits).finally(() => (this.stopsUnderWay -= 1))
  }

  /** handleSignals() may stop the workers: beforeShutdown settled, its bound passed, or a second signal came. */
  mayStopWorkers(): boolean {
    if (this.hookSettled || this.parentSignals.filter((signal) => signal === 'SIGINT' || signal === 'SIGTERM').length >= 2) return true
    const bound = this.config.beforeShutdownTimeout
    return this.hookStartedAt !== undefined && bound > 0 && bound !== Infinity && Date.now() >= this.hookStartedAt + bound
  }

  /** Whether the app should be shutting down, by the model. */
  expectedStopping(): boolean {
    const signalled = this.config.mode === 'signals' ? this.parentSignals.length > 0 : this.parentSignals.includes('SIGTERM')
    return signalled || this.stopsUnderWay > 0
  }

  /** The invariants that hold after every step. */
  check(): void {
    if (this.app.stopping !== this.expectedStopping()) this.violation(`app.stopping is ${this.app.stopping}, the model says ${this.expectedStopping()}`)
    if (this.pool.accepting) {
      const expected = this.app.stopping ? 'draining' : 'running'
      if (this.pool.state !== expected) this.violation(`the pool reads ${this.pool.state}, expected ${expected}`)
      if (this.pool.startsWorkers === this.app.stopping) this.violation(`the pool would start workers: ${this.pool.startsWorkers} while the app stopping: ${this.app.stopping}`)
    }
    if (this.onShutdownCalls.length > 1) this.violation('onShutdown was called more than once')
    if (this.config.mode === 'signals' && this.parentSignals.length >= 2 && !this.stoppedBySignals) this.violation('a second signal did not cut beforeShutdown short')
    for (const worker of this.workers) {
      if (worker.reports > 1) this.violation(`worker ${worker.id} reported SIGTERM ${worker.reports} times`)
      if (worker.lead.state === 'settling' && Date.now() > (worker.stHeardAt ?? 0) + SIGTERM_SETTLE_MS + 1) this.violation(`the lead of worker ${worker.id} is still settling`)
      if (worker.lead.state === 'stopping' && worker.state === 'ready') this.violation(`the lead of worker ${worker.id} stops it, but it is not closing`)
      // The firm stage means "now": its SIGTERM (reported, or a second one) ends the worker in a few ms.
      if (worker.alive && worker.terminatedAt !== undefined && Date.now() > worker.terminatedAt + 4 * CHANNEL_MS + EXIT_MS) {
        this.violation(`worker ${worker.id} still runs ${Date.now() - worker.terminatedAt} ms after its parent's SIGTERM`)
      }
    }
  }

  #hook(): Promise<void> {
    this.hookStartedAt = Date.now()
    if (this.drainRequested) {
      this.hookSettled = true
      return Promise.resolve()
    }
    return new Promise((resolve) => {
      this.#settleHook = () => {
        this.hookSettled = true
        resolve()
      }
    })
  }

  #source(): SignalSource {
    return {
      on: (signal, listener) => {
        const set = this.#listeners.get(signal) ?? new Set()
        set.add(listener)
        this.#listeners.set(signal, set)
      },
      off: (signal, listener) => void this.#listeners.get(signal)?.delete(listener),
      appListeners: (signal) => this.#listeners.get(signal)?.size ?? 0,
      raise: (signal) => void this.raised.push(signal),
    }
  }
}
