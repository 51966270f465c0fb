/**
 * Liveness (`unresponsiveAfter`): the parent pings a worker while it runs; a worker that says
 * nothing, not even a pong, for longer than that (stopped with SIGSTOP, deadlocked, stuck in a
 * synchronous loop) is given up on: its calls reject with WorkerUnresponsiveError and it is
 * killed. Off by default: long synchronous work is legitimate, and a worker doing it would
 * look the same.
 */
import { debug } from '../base/debug.js'
import { MessageType, PROTOCOL_VERSION } from '../protocol/messages.js'
import type { WorkerHandle } from './worker-handle.js'

/**
 * What the parent hears when a worker is given up on.
 *
 * @example
 * ```ts
 * await fork(contract, url, { unresponsiveAfter: 5_000, onUnresponsive: ({ silentFor }: UnresponsiveEvent) => alert(silentFor) })
 * ```
 */
export interface UnresponsiveEvent {
  /** How long the worker had been silent, in milliseconds: nothing from it, not even an answer to a ping (a little more than `unresponsiveAfter`, since the parent looks a few times per `unresponsiveAfter`). */
  readonly silentFor: number
}

/**
 * Watches one worker: pings it a few times per `unresponsiveAfter`, and calls `onSilent` once
 * when nothing has come from it for longer than that.
 */
export class LivenessWatch {
  readonly #handle: WorkerHandle
  readonly #limit: number
  readonly #onSilent: (silentFor: number) => void
  readonly #timer: NodeJS.Timeout
  readonly #stopListening: () => void
  readonly #interval: number
  #heardAt = Date.now()
  #checkedAt = Date.now()
  #sequence = 0

  constructor(handle: WorkerHandle, unresponsiveAfter: number, onSilent: (silentFor: number) => void) {
    this.#handle = handle
    this.#limit = unresponsiveAfter
    this.#onSilent = onSilent
    // Any message proves that the worker's event loop turns, not only a pong.
    this.#stopListening = handle.channel.receive(() => (this.#heardAt = Date.now()))
    this.#interval = Math.max(10, Math.min(unresponsiveAfter / 4, 1_000))
    this.#timer = setInterval(() => this.#check(), this.#interval)
    this.#timer.unref() // watching does not keep the parent alive
  }

  stop(): void {
    clearInterval(this.#timer)
    this.#stopListening()
  }

  #check(): void {
    const now = Date.now()
    // This side's own event loop stalled (blocked, stopped with SIGSTOP, suspended): what the
    // worker sent meanwhile is still unread (timers run before I/O is read), so that time is
    // not the worker's silence. Without this, a parent blocked for longer than the limit
    // killed every healthy worker it had.
    const late = now - this.#checkedAt - this.#interval
    this.#checkedAt = now
    if (late > this.#interval) this.#heardAt = Math.min(now, this.#heardAt + late)
    const silentFor = now - this.#heardAt
    if (silentFor <= this.#limit) {
      this.#handle.channel.send({ $fr: PROTOCOL_VERSION, t: MessageType.Ping, n: ++this.#sequence })
      return
    }
    debug('%s worker %s silent for %d ms (unresponsiveAfter %d): giving up on it', this.#handle.runtime, this.#handle.label, silentFor, this.#limit)
    this.stop()
    this.#onSilent(silentFor)
  }
}
