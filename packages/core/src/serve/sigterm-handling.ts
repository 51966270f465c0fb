/**
 * What a served process does with SIGTERM. Its parent leads its stop when the ack said so
 * (`st`): the first SIGTERM is reported (`st`) and the worker serves on, and a shutdown the
 * parent then asks for has SIGTERM as its cause. It shuts down by itself at once on SIGTERM
 * when it has no parent channel (disconnected), when the parent did not offer to lead (a
 * parent of an earlier forkrpc, or one of its own), and on a second SIGTERM. A SIGTERM that
 * comes before the ack waits for it.
 */
import type { ShutdownCause } from './serve-options.js'

/**
 * Where the worker is with SIGTERM: `unacked` (no ack yet), `alone` (the parent does not
 * lead: SIGTERM shuts down), `led` (the parent leads), `reported` (a SIGTERM was reported).
 */
export type SigtermHandlingState = 'unacked' | 'alone' | 'led' | 'reported'

export interface SigtermParts {
  /** Whether the parent's channel is still open. */
  connected(): boolean
  /** Tells the parent (`st`). */
  report(): void
  /** Shuts the worker down for SIGTERM. */
  shutDown(): void
}

export class SigtermHandling {
  readonly #parts: SigtermParts
  #state: SigtermHandlingState = 'unacked'
  #pending = false

  constructor(parts: SigtermParts) {
    this.#parts = parts
  }

  get state(): SigtermHandlingState {
    return this.#state
  }

  /** The parent's ack came: whether it leads the worker's stop on SIGTERM. */
  acked(leads: boolean): void {
    if (this.#state !== 'unacked') return
    this.#state = leads ? 'led' : 'alone'
    if (!this.#pending) return
    this.#pending = false
    this.heard()
  }

  heard(): void {
    if (!this.#parts.connected()) return this.#parts.shutDown()
    switch (this.#state) {
      case 'unacked':
        this.#pending = true
        return
      case 'led':
        this.#state = 'reported'
        return this.#parts.report()
      default:
        return this.#parts.shutDown()
    }
  }

  /** The cause of a shutdown the parent asked for: SIGTERM once one was reported. */
  causeOfRequest(): ShutdownCause {
    return this.#state === 'reported' ? 'SIGTERM' : 'request'
  }
}
