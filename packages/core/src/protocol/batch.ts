/**
 * The batch message: several messages written in one go travel as one (`b`), and the
 * receiving side takes them out in order. One IPC message costs a fixed amount (a system
 * call, a serializer run, a parse and an event on the other side), which dominates small
 * calls: 100 requests in one message travel ~7x faster than 100 messages.
 */
import { debug } from '../base/debug.js'
import { MessageType, PROTOCOL_VERSION, type BatchMessage } from './messages.js'
import { readMessage } from './read-message.js'

/**
 * The most messages in one batch: a backlog of 100,000 calls goes as 100 messages rather
 * than one of many megabytes, so that the other side starts answering early.
 */
export const MAX_BATCH = 1_000

export function batchOf(messages: object[]): BatchMessage {
  return { $fr: PROTOCOL_VERSION, t: MessageType.Batch, p: messages }
}

/**
 * Wraps a message listener so that a batch message is delivered as the messages in it, in
 * order. A batch is forkrpc's own envelope, so anything inside it that is not a forkrpc
 * message (a foreign message, a nested batch) is dropped; a malformed batch is passed on as
 * it is, for the listener to drop as malformed. Other messages pass through.
 */
export function unpackingBatches(listener: (message: unknown) => void): (message: unknown) => void {
  return (received) => {
    if (typeof received !== 'object' || received === null || (received as { t?: unknown }).t !== MessageType.Batch) {
      listener(received)
      return
    }
    const batch = readMessage(received)
    if (batch === undefined || batch === false || batch.t !== MessageType.Batch) {
      listener(received)
      return
    }
    for (const message of batch.p) {
      if (typeof message !== 'object' || message === null || !Object.hasOwn(message, '$fr') || (message as { t?: unknown }).t === MessageType.Batch) {
        debug('dropped a message inside a batch that is not a forkrpc message: %o', message)
        continue
      }
      listener(message)
    }
  }
}
