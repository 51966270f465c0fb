/**
 * The two ends of a process's IPC channel (the parent's ChildProcess, the worker's
 * `process`) speak forkrpc the same way: writes batched, received batches unpacked, and
 * every message logged when debugging is on (and nothing added when it is off).
 */
import { debugEnabled } from '../base/debug.js'
import { unpackingBatches } from '../protocol/batch.js'
import { logMessage } from '../protocol/log-message.js'
import type { BatchingSender } from './batching-sender.js'
import type { Channel } from './channel.js'

/**
 * What receives IPC messages: a ChildProcess, or `process` in the worker.
 *
 * @example
 * ```ts
 * const emitter: MessageEmitter = child
 * ```
 */
export interface MessageEmitter {
  on(event: 'message', listener: (message: unknown) => void): unknown
  off(event: 'message', listener: (message: unknown) => void): unknown
}

/**
 * The `send` and `receive` of a Channel over an IPC end; `peer` names the other side in
 * debug logs ("worker 123", "parent 45").
 *
 * @example
 * ```ts
 * const { send, receive } = ipcEndpoint(child, new BatchingSender((m, done) => child.send(m, done)), () => `worker ${child.pid}`)
 * ```
 */
export function ipcEndpoint(emitter: MessageEmitter, sender: BatchingSender, peer: () => string): Pick<Channel, 'send' | 'receive'> {
  return {
    send: debugEnabled
      ? (message, onUnsendable) => {
          logMessage('send', peer(), message)
          sender.send(message, onUnsendable)
        }
      : sender.send,
    receive(listener) {
      const receiver = debugEnabled
        ? (message: unknown) => {
            logMessage('receive', peer(), message)
            listener(message)
          }
        : listener
      const unpacking = unpackingBatches(receiver)
      emitter.on('message', unpacking)
      return () => emitter.off('message', unpacking)
    },
  }
}
