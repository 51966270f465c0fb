/**
 * The two ends of a process's IPC channel (the parent's ChildProcess, the worker's
 * `process`) speak forkrpc the same way: writes batched (and, with a guard, bounded), reads
 * guarded, received batches unpacked, handles refused, and every message logged when
 * debugging is on (and nothing added when it is off).
 */
import { debugEnabled } from '../base/debug.js'
import { unpackingBatches } from '../protocol/batch.js'
import { logMessage } from '../protocol/log-message.js'
import { BatchingSender, type RawSend } from './batching-sender.js'
import type { Channel } from './channel.js'
import { refuseHandle } from './handles.js'
import { guardIpcReads, type ChannelGuard } from './ipc-read-guard.js'

/** What receives IPC messages: a ChildProcess, or `process` in the worker. */
export interface MessageEmitter {
  on(event: 'message', listener: (message: unknown, handle?: unknown) => void): unknown
  off(event: 'message', listener: (message: unknown, handle?: unknown) => void): unknown
  /** How many listen: a handle that comes with someone else's message is closed when nobody else does. */
  listenerCount?(event: 'message'): number
}

/**
 * A batching sender over `owner`'s IPC channel (a ChildProcess, or `process` in a child);
 * with a `guard`, its backlog is bounded and its reads are guarded (ipc-read-guard.ts), and
 * the first violation either finds is reported.
 */
export function guardedSender(owner: object, write: RawSend, guard: ChannelGuard | undefined): BatchingSender {
  if (guard === undefined) return new BatchingSender(write)
  let reported = false
  const violation = (why: string): void => {
    if (reported) return
    reported = true
    guard.onViolation(why)
  }
  guardIpcReads(owner, { ...guard, onViolation: violation })
  return new BatchingSender(write, { max: guard.maxBacklog, overflow: (count) => violation(`left ${count} messages unread (more than maxPending)`) })
}

/**
 * The `send` and `receive` of a Channel over an IPC end; `peer` names the other side in
 * debug logs ("worker 123", "parent 45").
 */
export function ipcEndpoint(emitter: MessageEmitter, sender: BatchingSender, peer: () => string): Pick<Channel, 'send' | 'receive'> {
  // One listener on the emitter for all of forkrpc's receivers, so that a handle that comes with
  // someone else's message can be closed when no one else listens. Copied on write, so that
  // each message goes to the receivers there were when it arrived, as an emitter's do.
  let receivers: ReadonlyArray<(message: unknown) => void> = []
  const unpacking = unpackingBatches((message) => {
    if (debugEnabled) logMessage('receive', peer(), message)
    const current = receivers
    for (let i = 0; i < current.length; i++) (current[i] as (message: unknown) => void)(message)
  })
  const onMessage = (message: unknown, handle?: unknown): void => {
    if (handle === undefined || handle === null) unpacking(message)
    else refuseHandle(message, handle, (emitter.listenerCount?.('message') ?? 2) <= 1)
  }
  return {
    send: debugEnabled
      ? (message, onUnsendable) => {
          logMessage('send', peer(), message)
          sender.send(message, onUnsendable)
        }
      : sender.send,
    receive(listener) {
      const receiver = (message: unknown): void => listener(message)
      if (receivers.length === 0) emitter.on('message', onMessage)
      receivers = [...receivers, receiver]
      return () => {
        const before = receivers.length
        receivers = receivers.filter((entry) => entry !== receiver)
        if (before > 0 && receivers.length === 0) emitter.off('message', onMessage)
      }
    },
  }
}
