/**
 * The parent's side of a worker's SIGTERM. A process worker that gets SIGTERM while its
 * parent lives (systemd's `KillMode=control-group`, `kill -TERM -PGID`) says so (`st`) and
 * serves on; the parent leads its stop. It waits a moment first (`SIGTERM_SETTLE_MS`): the
 * same signal usually reached this process too, and is seen here a turn later. Then, if the
 * app is shutting down (`handleSignals()`, `shutdownAll()`, a SIGTERM the app handles), the
 * worker is left to that shutdown, which drains it with the others; if not (someone
 * signalled just that worker), it is stopped in stages, as its owner does it (`close()`; a
 * pool retires and replaces it). A worker this side is stopping already is left to that
 * stop, but when this side has sent it SIGTERM itself (the stop's firm stage), it is asked
 * to shut down at once, as that stage means.
 */
import { debug } from '../base/debug.js'

/**
 * How long the parent waits after a worker's `st` before it decides, in ms: a signal to
 * the whole process group reaches this process at the same time, and its listeners run
 * within a turn of the loop (the timer is followed by a setImmediate, so that the poll
 * phase that delivers the signal has run).
 */
export const SIGTERM_SETTLE_MS = 100

/**
 * Where the parent is with a worker's SIGTERM: `serving` (none heard), `settling` (heard,
 * waiting to see whether the app is shutting down), `left` (to the app's shutdown, or to a
 * stop under way), `stopping` (this side stops it, or asked it to shut down at once), `gone`
 * (the worker is: nothing more to decide).
 */
export type SigtermLeadState = 'serving' | 'settling' | 'left' | 'stopping' | 'gone'

/** What the lead asks of the worker's owner. */
export interface SigtermLeadParts {
  /** Whether the app is shutting down (its shutdown will stop the worker). */
  appStopping(): boolean
  /** Whether this side is stopping the worker already. */
  closing(): boolean
  /** Whether this side has sent the worker SIGTERM (the firm stage of its stop). */
  terminated(): boolean
  /** Asks the worker to shut down now (the shutdown message). */
  shutDownNow(): void
  /** Stops the worker in stages: the worker's `close()`, or a pool's retiring it. */
  stop(): void
}

export class SigtermLead {
  readonly #parts: SigtermLeadParts
  #state: SigtermLeadState = 'serving'
  #timer: NodeJS.Timeout | undefined
  #immediate: NodeJS.Immediate | undefined

  constructor(parts: SigtermLeadParts) {
    this.#parts = parts
  }

  get state(): SigtermLeadState {
    return this.#state
  }

  /** The worker got SIGTERM (`st`). A second `st` changes nothing: the worker acts on its second SIGTERM itself. */
  heard(): void {
    if (this.#state !== 'serving') return
    if (this.#parts.terminated()) {
      this.#state = 'stopping'
      this.#parts.shutDownNow()
      return
    }
    this.#state = 'settling'
    this.#timer = setTimeout(() => {
      this.#immediate = setImmediate(() => this.#decide()).unref()
    }, SIGTERM_SETTLE_MS)
    this.#timer.unref()
  }

  /** The worker is gone: nothing more to decide. */
  gone(): void {
    this.#state = 'gone'
    clearTimeout(this.#timer)
    clearImmediate(this.#immediate)
  }

  #decide(): void {
    if (this.#state !== 'settling') return
    if (this.#parts.terminated()) {
      this.#state = 'stopping'
      this.#parts.shutDownNow()
    } else if (this.#parts.appStopping() || this.#parts.closing()) {
      debug('a worker got SIGTERM while its stop is under way or the app is shutting down: left to that')
      this.#state = 'left'
    } else {
      debug('a worker got SIGTERM while the app runs: stopping it in stages')
      this.#state = 'stopping'
      this.#parts.stop()
    }
  }
}
