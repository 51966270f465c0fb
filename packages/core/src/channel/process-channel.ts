/**
 * The parent's end of a child process's IPC channel: batched writes, unpacked batches, and a
 * close that whoever watches the process calls once it is gone (worker/process-runtime.ts).
 */
import type { ChildProcess } from 'node:child_process'
import type { Serialization } from '../protocol/payload.js'
import { CloseListeners, type Channel, type CloseReason } from './channel.js'
import { guardedSender, ipcEndpoint } from './ipc-endpoint.js'
import type { ChannelGuard } from './ipc-read-guard.js'
import { holdIpcChannel } from './ipc-hold.js'

/** A channel its owner closes, and whose queued writes it can flush. */
export interface OwnedChannel extends Channel {
  /** The other side is gone: every close listener hears `reason` (once). */
  close(reason: CloseReason): void
  /** Writes what is queued for batching now: call it before disconnecting, which drops it. */
  flush(): void
  /** Resolves once every message given to `send()` has been written (or has failed). */
  flushed(): Promise<void>
}

/**
 * The channel over `child`'s IPC pipe. A write to a child that is gone fails in its
 * callback (logged), never crashing this process; the owner closes the channel when the
 * child is gone, which rejects what is in flight. With a `guard`, a child that writes what
 * is not a message, starts one too large, or leaves too many unread is reported to it.
 */
export function processChannel(child: ChildProcess, serialization: Serialization, guard?: ChannelGuard): OwnedChannel {
  const sender = guardedSender(child, (message, written) => child.send(message, written), guard)
  const closing = new CloseListeners()
  return {
    serialization,
    ...ipcEndpoint(child, sender, () => `worker ${child.pid}`),
    onClose: (listener) => closing.add(listener),
    close: (reason) => closing.close(reason),
    keepAlive: (active) => holdIpcChannel(child, active),
    flush: sender.flushNow,
    flushed: sender.flushed,
  }
}

