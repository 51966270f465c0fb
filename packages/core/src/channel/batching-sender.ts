/**
 * Batching: the messages one side writes while an earlier write is still under way
 * travel together as one batch message (protocol/batch.ts), and the receiving side
 * unpacks them in order.
 *
 * Each IPC message costs a fixed amount (a syscall, a JSON or v8 serializer run, a parse
 * and an event on the other side), which dominates small calls: 100 requests packed in
 * one message travel ~7x faster than 100 messages. A lone message must not wait for
 * company, though, so the rule is: when nothing is being written, a message is written at
 * once; while a write is under way (until Node's write callback, which comes on the next
 * tick for a write that went straight to the pipe, or once the pipe has drained), messages
 * queue and go as one batch when it completes. Everything written in one tick after the
 * first message therefore leaves as one batch, a lone call pays nothing, and when the pipe
 * is full (`send()` returned false) the queue grows into larger batches instead of piling
 * up single messages in Node's own unbounded write queue.
 */
import { debug } from '../base/debug.js'
import { Drained } from '../base/drained.js'
import { batchOf, MAX_BATCH } from '../protocol/batch.js'

/**
 * Writes one message to the underlying channel (`process.send` / `child.send`) and calls
 * `written` once it is written or has failed. Throws synchronously only when the message
 * cannot be serialized.
 *
 * @example
 * ```ts
 * const write: RawSend = (message, written) => child.send(message, written)
 * ```
 */
export type RawSend = (message: object, written: (error: Error | null) => void) => void

/**
 * Told that a message could not be sent because the channel's serializer refused it, when
 * that is found after `send()` has returned (the message had been queued).
 *
 * @example
 * ```ts
 * const onUnsendable: UnsendableListener = (error, message) => rejectCall((message as RequestMessage).i, error)
 * ```
 */
export type UnsendableListener = (error: unknown, message: object) => void

/**
 * A sender that coalesces messages written while a write is under way.
 *
 * @example
 * ```ts
 * const sender: BatchingSender = createBatchingSender(write)
 * sender.send(message)
 * await sender.flushed()
 * ```
 */
export interface BatchingSender {
  /**
   * Sends `message` now, or queues it while a write is under way. A message that cannot be
   * serialized makes this throw when it is written at once, or is reported to
   * `onUnsendable` when it had been queued; never both.
   */
  send(message: object, onUnsendable?: UnsendableListener): void
  /**
   * Writes every queued message now, without waiting for the write under way (Node keeps
   * the order): call it before disconnecting, which drops what is still queued here.
   */
  flushNow(): void
  /**
   * Resolves once every message given to `send()` has been written (or has failed): wait
   * for it before exiting, since Node loses large messages still being written at exit.
   */
  flushed(): Promise<void>
}

/**
 * Wraps a raw send function so that messages written while a write is under way are
 * packed into batch messages.
 *
 * @example
 * ```ts
 * const sender = createBatchingSender((message, written) => child.send(message, written))
 * sender.send({ $fr: PROTOCOL_VERSION, t: 'q', i: '1', m: 'add', v: { a: 1, b: 2 } })
 * ```
 */
export function createBatchingSender(write: RawSend): BatchingSender {
  let writing = 0
  let queue: object[] = []
  let listeners: Array<UnsendableListener | undefined> = []
  const flushed = new Drained()

  function written(error: Error | null): void {
    writing--
    // A write to a peer that is gone (EPIPE, ERR_IPC_CHANNEL_CLOSED) fails here rather
    // than crashing the process; the channel's close handling rejects calls in flight.
    if (error !== null) debug('an IPC write failed: %o', error)
    if (writing === 0) flush()
  }

  function writeOne(message: object, onUnsendable: UnsendableListener | undefined): void {
    writing++
    try {
      write(message, written)
    } catch (error) {
      writing--
      if (onUnsendable === undefined) debug('dropped a message that cannot be serialized: %o', error)
      else onUnsendable(error, message)
    }
  }

  /** Writes the queue as batches, waiting for each write unless `now`; wakes flushed() waiters when all is written. */
  function flush(now = false): void {
    // Without `now`, loops only when every message of a batch was refused, so that nothing
    // is under way.
    while ((now || writing === 0) && queue.length > 0) writeBatch()
    if (writing === 0) flushed.wake()
  }

  /** Writes up to MAX_BATCH messages from the head of the queue, as one batch when there are several. */
  function writeBatch(): void {
    let messages: object[]
    let unsendable: Array<UnsendableListener | undefined>
    if (queue.length <= MAX_BATCH) {
      messages = queue
      unsendable = listeners
      queue = []
      listeners = []
    } else {
      messages = queue.splice(0, MAX_BATCH)
      unsendable = listeners.splice(0, MAX_BATCH)
    }
    if (messages.length === 1) {
      writeOne(messages[0] as object, unsendable[0])
      return
    }
    writing++
    try {
      write(batchOf(messages), written)
    } catch (error) {
      writing--
      // The serializer refused something in the batch: write the messages one by one,
      // in order, so that only the culprits fail.
      debug('a batch of %d messages cannot be serialized (%o); writing them one by one', messages.length, error)
      for (let i = 0; i < messages.length; i++) writeOne(messages[i] as object, unsendable[i])
    }
  }

  return {
    send(message, onUnsendable) {
      if (writing === 0 && queue.length === 0) {
        // Nothing under way: write it now, so a lone message waits for nothing.
        writing++
        try {
          write(message, written)
        } catch (error) {
          writing--
          throw error
        }
        return
      }
      queue.push(message)
      listeners.push(onUnsendable)
    },
    flushNow() {
      flush(true)
    },
    flushed() {
      return flushed.wait(writing === 0 && queue.length === 0)
    },
  }
}
