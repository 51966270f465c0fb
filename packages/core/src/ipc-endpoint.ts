/**
 * The two ends of a process's IPC channel (the parent's ChildProcess, the child's
 * `process`) speak forkrpc the same way: writes coalesced into batches, received batches
 * unpacked, and every message logged when debugging is on (and nothing added when it is off).
 */
import type { Channel } from './channel.js'
import type { CoalescingSender } from './coalescing-sender.js'
import { unpackingBatches } from './coalescing-sender.js'
import { debugEnabled, logMessage } from './debug.js'

/** What receives IPC messages: a ChildProcess, or `process` in the child. */
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
 * const { send, receive } = ipcEndpoint(child, createCoalescingSender((m, done) => child.send(m, done)), () => `worker ${child.pid}`)
 * ```
 */
export function ipcEndpoint(emitter: MessageEmitter, sender: CoalescingSender, peer: () => string): Pick<Channel, 'send' | 'receive'> {
  return {
    send: debugEnabled
      ? (message, onError) => {
          logMessage('send', peer(), message)
          sender.send(message, onError)
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
