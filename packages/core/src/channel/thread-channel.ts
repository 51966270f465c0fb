/**
 * The parent's end of a worker thread's port, closed by whoever watches the thread once it
 * has exited (worker/thread-handle.ts). Messages go by structured clone (`advanced`), what
 * is sent in one turn as one batch, as over a process's IPC channel.
 */
import type { Worker } from 'node:worker_threads'
import { BatchingSender, postingWrite } from './batching-sender.js'
import { CloseListeners } from './channel.js'
import { ipcEndpoint } from './ipc-endpoint.js'
import type { OwnedChannel } from './process-channel.js'

/**
 * The channel over `thread`'s port. Sends after the thread is gone are dropped; the owner
 * closes the channel then.
 */
export function threadChannel(thread: Worker): OwnedChannel {
  const closing = new CloseListeners()
  const sender = new BatchingSender(postingWrite(thread))
  const endpoint = ipcEndpoint(thread, sender, () => `thread ${thread.threadId}`)
  return {
    serialization: 'advanced',
    send(message, onUnsendable) {
      if (closing.reason === undefined) endpoint.send(message, onUnsendable)
    },
    receive: endpoint.receive,
    onClose: (listener) => closing.add(listener),
    close: (reason) => closing.close(reason),
    keepAlive(active) {
      if (closing.reason !== undefined) return
      if (active) thread.ref()
      else thread.unref()
    },
    flush: sender.flushNow,
    flushed: sender.flushed,
  }
}
