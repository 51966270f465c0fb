/**
 * Batching: what one side sends in one turn of the event loop leaves as one write (a batch
 * message, protocol/batch.ts), and the receiving side unpacks it in order.
 *
 * One IPC message costs a fixed amount (a system call, a serializer run, a parse and an
 * event on the other side), which dominates small calls: 100 requests packed in one message
 * travel ~7x faster than 100 messages. So messages wait in a queue until the end of the
 * current turn (a microtask: a lone message waits for nothing else) and go together. Two
 * rules keep both sides busy and memory bounded:
 * - a queue that reaches {@link FLUSH_AT} messages is written at once, without waiting for
 *   the end of the turn, so that the other side starts on the first ones while this side
 *   makes the rest (pipelined calls overlap instead of taking turns);
 * - while the pipe is full (Node's `send()` returned false), nothing more is written until a
 *   write completes: the queue grows into larger batches instead of piling up single
 *   messages in Node's own unbounded write queue.
 *
 * And one rule keeps that queue bounded when the peer does not read (it is stopped, or
 * hostile: a flood of requests it never reads the answers to): at most `maxBacklog` messages
 * wait, besides this side's own requests and cancellations (which its table of pending calls
 * bounds already). One more, and the sender drops everything and reports the overflow: the
 * owner drops the peer, as one that broke the protocol (channel/ipc-read-guard.ts).
 */
import { debug } from '../base/debug.js'
import { Drained } from '../base/drained.js'
import { batchOf, MAX_BATCH } from '../protocol/batch.js'
import { MessageType } from '../protocol/messages.js'

/** A queue this long is written at once rather than at the end of the turn. */
export const FLUSH_AT = 32

/**
 * Writes one message to the underlying channel (`process.send` / `child.send`), calls
 * `written` once it is written or has failed, and returns false when the pipe is full (as
 * Node's `send()` does). Throws synchronously only when the message cannot be serialized.
 */
export type RawSend = (message: object, written: (error: Error | null) => void) => boolean

/**
 * Told that a message could not be sent because the channel's serializer refused it (found
 * when the queue is written, after `send()` has returned).
 */
export type UnsendableListener = (error: unknown, message: object) => void

/**
 * The raw write of a `MessagePort` or a `Worker`: `postMessage` hands the message over at
 * once (a structured clone), so it is written as soon as it returns; a message that cannot be
 * cloned throws, which the sender turns into the culprit's refusal.
 */
export function postingWrite(target: { postMessage(message: unknown): void }): RawSend {
  return (message, written) => {
    target.postMessage(message)
    written(null)
    return true
  }
}

/**
 * The bound of a sender's backlog: at most `max` messages wait while the peer does not read
 * (besides this side's own requests and cancellations); `overflow` hears the one more.
 */
export interface BacklogLimit {
  readonly max: number
  readonly overflow: (count: number) => void
}

/** Messages the pending calls bound already: this side's own requests and cancellations. */
function isOwnCall(message: object): boolean {
  const type = (message as { t?: unknown }).t
  return type === MessageType.Request || type === MessageType.Cancel
}

/** A sender that writes what is sent in one turn as one batch. */
export class BatchingSender {
  readonly #write: RawSend
  #queue: object[] = []
  #listeners: Array<UnsendableListener | undefined> = []
  /** A flush is queued for the end of the turn. */
  #scheduled = false
  /** Writes whose callback has not come yet. */
  #writing = 0
  /** The pipe is full: wait for a write to complete before writing more. */
  #congested = false
  /** Messages in the queue that count against the backlog limit (pushed while congested). */
  #backlog = 0
  /** The backlog overflowed: nothing more is queued or written. */
  #dropped = false
  readonly #limit: BacklogLimit | undefined
  readonly #drained = new Drained()

  constructor(write: RawSend, limit?: BacklogLimit) {
    this.#write = write
    this.#limit = limit
  }

  /** Queues `message`; it is written at the end of the turn (or at once, see FLUSH_AT). */
  readonly send = (message: object, onUnsendable?: UnsendableListener): void => {
    if (this.#dropped) return
    if (this.#congested && this.#limit !== undefined && !isOwnCall(message) && ++this.#backlog > this.#limit.max) return this.#overflow()
    this.#queue.push(message)
    this.#listeners.push(onUnsendable)
    if (this.#queue.length >= FLUSH_AT && !this.#congested) this.flushNow()
    else if (!this.#scheduled) {
      this.#scheduled = true
      queueMicrotask(this.#onTurnEnd)
    }
  }

  /** Writes everything queued now, full pipe or not (before a disconnect, which drops the rest). */
  readonly flushNow = (): void => {
    while (this.#queue.length > 0) this.#writeBatch()
  }

  /** Resolves once every message given to `send()` has been written (or has failed). */
  readonly flushed = (): Promise<void> => this.#drained.wait(this.#writing === 0 && this.#queue.length === 0)

  /** The peer leaves too much unread: everything queued is dropped, and so is what comes later. */
  #overflow(): void {
    if (this.#dropped) return
    this.#dropped = true
    const count = this.#queue.length + 1
    this.#queue = []
    this.#listeners = []
    this.#backlog = 0
    debug('dropped %d messages the peer did not read', count)
    if (this.#writing === 0) this.#drained.wake()
    this.#limit?.overflow(count)
  }

  readonly #onTurnEnd = (): void => {
    this.#scheduled = false
    if (!this.#congested) this.flushNow()
  }

  readonly #written = (error: Error | null): void => {
    this.#writing--
    // A write to a peer that is gone (EPIPE, ERR_IPC_CHANNEL_CLOSED) fails here rather than
    // crashing the process; the channel's close handling rejects the calls in flight.
    if (error !== null) debug('an IPC write failed: %o', error)
    if (this.#congested && this.#writing === 0) {
      this.#congested = false
      this.flushNow()
    }
    if (this.#writing === 0 && this.#queue.length === 0) this.#drained.wake()
  }

  /** Writes up to MAX_BATCH messages from the head of the queue, as one batch when there are several. */
  #writeBatch(): void {
    let messages: object[]
    let listeners: Array<UnsendableListener | undefined>
    if (this.#queue.length <= MAX_BATCH) {
      messages = this.#queue
      listeners = this.#listeners
      this.#queue = []
      this.#listeners = []
      this.#backlog = 0
    } else {
      messages = this.#queue.splice(0, MAX_BATCH)
      listeners = this.#listeners.splice(0, MAX_BATCH)
      // Those counted are among the newest: at most what is left in the queue still counts.
      this.#backlog = Math.min(this.#backlog, this.#queue.length)
    }
    if (messages.length === 1) return this.#writeOne(messages[0] as object, listeners[0])
    try {
      this.#writing++
      if (!this.#write(batchOf(messages), this.#written)) this.#congested = true
    } catch (error) {
      this.#writing--
      // The serializer refused something in the batch: write the messages one by one, in
      // order, so that only the culprits fail.
      debug('a batch of %d messages cannot be serialized (%o); writing them one by one', messages.length, error)
      for (let i = 0; i < messages.length; i++) this.#writeOne(messages[i] as object, listeners[i])
    }
  }

  #writeOne(message: object, onUnsendable: UnsendableListener | undefined): void {
    try {
      this.#writing++
      if (!this.#write(message, this.#written)) this.#congested = true
    } catch (error) {
      this.#writing--
      if (onUnsendable === undefined) debug('dropped a message that cannot be serialized: %o', error)
      else onUnsendable(error, message)
      if (this.#writing === 0 && this.#queue.length === 0) this.#drained.wake()
    }
  }
}
