/**
 * The parent's end of a worker thread's port, closed by whoever watches the thread once it
 * has exited (worker/thread-runtime.ts). Messages go by structured clone (`advanced`).
 */
import type { Worker } from 'node:worker_threads'
import { debugEnabled } from '../base/debug.js'
import { logMessage } from '../protocol/log-message.js'
import { CloseListeners } from './channel.js'
import type { OwnedChannel } from './process-channel.js'

/**
 * The channel over `thread`'s port. Sends after the thread is gone are dropped; the owner
 * closes the channel then.
 *
 * @example
 * ```ts
 * const channel = threadChannel(new Worker(path))
 * thread.once('exit', (code) => channel.close((procedure) => new WorkerExitedError(`exited with ${code}`, { procedure })))
 * ```
 */
export function threadChannel(thread: Worker): OwnedChannel {
  const closing = new CloseListeners()
  const peer = `thread ${thread.threadId}`
  return {
    serialization: 'advanced',
    send(message) {
      if (closing.reason !== undefined) return
      if (debugEnabled) logMessage('send', peer, message)
      thread.postMessage(message)
    },
    receive(listener) {
      const receiver = debugEnabled
        ? (message: unknown) => {
            logMessage('receive', peer, message)
            listener(message)
          }
        : listener
      thread.on('message', receiver)
      return () => thread.off('message', receiver)
    },
    onClose: (listener) => closing.add(listener),
    close: (reason) => closing.close(reason),
    keepAlive(active) {
      if (closing.reason !== undefined) return
      if (active) thread.ref()
      else thread.unref()
    },
    flush: () => undefined,
    flushed: () => Promise.resolve(),
  }
}
