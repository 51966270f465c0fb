/**
 * Channels over a worker thread's message port: the parent's view of a `Worker` (with
 * when and how the thread ended), and the thread's own view of its `parentPort`. Messages
 * go by structured clone, so the codec is the `advanced` one.
 */
import { isMainThread, parentPort, workerData, type MessagePort, type Worker } from 'node:worker_threads'
import type { Channel, CloseReason } from './channel.js'
import { debug } from './debug.js'
import { ChannelClosedError, WorkerExitedError, type ExitDetails } from './errors.js'

/**
 * The `workerData` key that tells `serve()` it runs in a thread started by `spawnThread()`.
 *
 * @example
 * ```ts
 * new Worker(path, { workerData: { [THREAD_MARKER]: true } })
 * ```
 */
export const THREAD_MARKER = '$forkrpcThread'

/** A watched worker thread. */
export interface WatchedThread {
  /** The channel over the thread's port; it closes once the thread has exited. */
  channel: Channel
  /** Resolves when the thread has exited; `stderr` holds the stack of an uncaught error. */
  exited: Promise<ExitDetails>
}

/**
 * Watches `thread`: its messages, its uncaught error (kept for WorkerExitedError and
 * StartupError) and its exit.
 *
 * @example
 * ```ts
 * const { channel, exited } = watchThread(new Worker(path, { workerData: { [THREAD_MARKER]: true } }))
 * ```
 */
export function watchThread(thread: Worker): WatchedThread {
  const closeListeners: Array<(reason: CloseReason) => void> = []
  let closeReason: CloseReason | undefined
  let uncaught: string | undefined
  let gone = false
  const exited = new Promise<ExitDetails>((resolve) => {
    thread.once('exit', (exitCode) => {
      gone = true
      const details: ExitDetails = { exitCode, signal: null, stderr: uncaught }
      debug('thread %d exited: %o', thread.threadId, details)
      closeReason = (procedure, inFlight) => new WorkerExitedError(details, procedure, inFlight)
      for (const listener of closeListeners.splice(0)) listener(closeReason)
      resolve(details)
    })
  })
  thread.on('error', (error: unknown) => {
    debug('thread %d: uncaught %o', thread.threadId, error)
    uncaught = error instanceof Error ? (error.stack ?? `${error.name}: ${error.message}`) : String(error)
  })
  const channel: Channel = {
    serialization: 'advanced',
    send(message) {
      if (!gone) thread.postMessage(message)
    },
    receive(listener) {
      thread.on('message', listener)
      return () => thread.off('message', listener)
    },
    onClose(listener) {
      if (closeReason === undefined) closeListeners.push(listener)
      else listener(closeReason)
    },
    keepAlive(active) {
      if (gone) return
      if (active) thread.ref()
      else thread.unref()
    },
  }
  return { channel, exited }
}

/**
 * The port to the parent when this code runs in a thread started by `spawnThread()`, or
 * undefined (the main thread, or a thread someone else started).
 *
 * @example
 * ```ts
 * const port = spawnedThreadPort()
 * if (port !== undefined) createRouter(contract, handlers, messagePortChannel(port))
 * ```
 */
export function spawnedThreadPort(): MessagePort | undefined {
  if (isMainThread || parentPort === null) return undefined
  const data = workerData as Record<string, unknown> | null | undefined
  return typeof data === 'object' && data !== null && data[THREAD_MARKER] === true ? parentPort : undefined
}

/**
 * A channel over a `MessagePort` (a worker thread's `parentPort`, one end of a
 * `MessageChannel`, or anything with the same `postMessage` / `on('message')` / `'close'`
 * shape). Messages go by structured clone. When the port closes, calls in flight reject with
 * ChannelClosedError.
 *
 * @example
 * ```ts
 * import { MessageChannel } from 'node:worker_threads'
 * import { createClient, createRouter, messagePortChannel } from '@forkrpc/core/channel'
 * const { port1, port2 } = new MessageChannel()
 * createRouter(math, handlers, messagePortChannel(port1))
 * const client = createClient(math, messagePortChannel(port2))
 * await client.call.add({ a: 1, b: 2 })
 * ```
 */
export function messagePortChannel(port: MessagePort): Channel {
  return {
    serialization: 'advanced',
    send: (message) => port.postMessage(message),
    receive(listener) {
      port.on('message', listener)
      return () => port.off('message', listener)
    },
    onClose(listener) {
      port.once('close', () => listener((procedure, inFlight) => new ChannelClosedError(procedure, inFlight ? `The message port closed before call "${procedure}" returned` : 'The message port is closed')))
    },
  }
}
