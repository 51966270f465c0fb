/**
 * A call this side is handling, which is also the handler's `ctx`: its id and procedure,
 * its signal (made on first use: most handlers never look at it), `emit` and `host`.
 */
import type { HandlerContext } from '../contract/handler-types.js'
import type { ChunkProducer } from './chunk-producer.js'
import type { InputChunks } from './input-chunks.js'

const NO_METADATA: Readonly<Record<string, string>> = Object.freeze({})

/** What a running call needs of the side that runs it. */
export interface RunningCallOwner {
  /** Sends an event from the handler of call `id`. */
  emit(name: string, payload: unknown, id: string): void
  /** The caller of the other side's procedures (`ctx.host`) for a handler without a deadline. */
  readonly host: HandlerContext['host']
  /** The same, for a handler with a deadline: its calls inherit what is left of it. */
  hostWithin(deadline: number, procedure: string): HandlerContext['host']
}

/** One running call and its context. */
export class RunningCall implements HandlerContext {
  #controller: AbortController | undefined
  #reason: Error | undefined
  /** The caller gave up on this call (cancel or timeout): its outcome is not sent. */
  cancelled = false
  /** A stream's producer of chunks, while the handler's iterable runs. */
  producer: ChunkProducer | undefined
  /** An input stream's chunks, as the handler reads them. */
  input: InputChunks | undefined
  /** What the caller's interceptors sent with the call. */
  metadata: Readonly<Record<string, string>> = NO_METADATA
  /** When the call's deadline passes (`Date.now()` time), if it has one. */
  deadline: number | undefined = undefined
  /** The time it had left when it was sent (the request's `dl`), in ms, if it has a deadline. */
  timeLeft: number | undefined = undefined
  /** Its caller asked to hear when its handler starts (the request's `sn`): `go`. */
  announceStart = false
  /** It holds a slot of the handler side's gate (handler-gate.ts). */
  holdsSlot = false
  /** The timer that aborts the signal at the deadline. */
  deadlineTimer: NodeJS.Timeout | undefined = undefined

  constructor(
    readonly owner: RunningCallOwner,
    readonly id: string,
    readonly procedure: string,
  ) {}

  #host: HandlerContext['host'] | undefined

  /** Calls made through it inherit what is left of this call's deadline (made on first use). */
  get host(): HandlerContext['host'] {
    if (this.deadline === undefined) return this.owner.host
    return (this.#host ??= this.owner.hostWithin(this.deadline, this.procedure))
  }

  emit(name: string, payload?: unknown): void {
    this.producer?.flush() // the stream's chunks yielded before this event go first
    this.owner.emit(name, payload, this.id)
  }

  /** Made on first use. */
  get signal(): AbortSignal {
    if (this.#controller === undefined) {
      this.#controller = new AbortController()
      if (this.#reason !== undefined) this.#controller.abort(this.#reason)
    }
    return this.#controller.signal
  }

  /** Whether the signal has aborted (without making it). */
  get aborted(): boolean {
    return this.#reason !== undefined
  }

  /** The caller gave up: the signal aborts and the outcome will not be sent. */
  cancel(reason: Error): void {
    this.cancelled = true
    this.abort(reason)
  }

  /** The signal aborts with `reason` (the first reason wins). */
  abort(reason: Error): void {
    if (this.#reason !== undefined) return
    this.#reason = reason
    this.#controller?.abort(reason)
  }
}
