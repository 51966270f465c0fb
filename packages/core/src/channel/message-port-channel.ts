/**
 * A channel over any `MessagePort`: a worker thread's `parentPort`, one end of a
 * `MessageChannel`, or anything with the same shape. Messages go by structured clone.
 */
import { isMainThread, parentPort, workerData, type MessagePort } from 'node:worker_threads'
import { ChannelClosedError } from '../errors/worker-errors.js'
import { BatchingSender, postingWrite } from './batching-sender.js'
import type { Channel } from './channel.js'
import { ipcEndpoint } from './ipc-endpoint.js'

/** The `workerData` key that tells `serve()` it runs in a thread started by `spawnThread()`. */
export const THREAD_MARKER = '$forkrpcThread'

/**
 * The `workerData` key that tells `serve()` in a thread to open the inspector, with where
 * (`{ host, port }`): a thread cannot take `--inspect` in its `execArgv`.
 */
export const THREAD_INSPECT = '$forkrpcInspect'

/** Where `spawnThread()` asked this thread to open its inspector, or undefined. */
export function threadInspectTarget(): { host: string; port: number } | undefined {
  if (spawnedThreadPort() === undefined) return undefined
  const target = (workerData as Record<string, unknown>)[THREAD_INSPECT] as { host?: unknown; port?: unknown } | undefined
  if (typeof target !== 'object' || target === null || typeof target.host !== 'string' || typeof target.port !== 'number') return undefined
  return { host: target.host, port: target.port }
}

/**
 * The port to the parent when this code runs in a thread started by `spawnThread()`, or
 * undefined (the main thread, or a thread someone else started).
 */
export function spawnedThreadPort(): MessagePort | undefined {
  if (isMainThread || parentPort === null) return undefined
  const data = workerData as Record<string, unknown> | null | undefined
  return typeof data === 'object' && data !== null && data[THREAD_MARKER] === true ? parentPort : undefined
}

/**
 * A channel over a `MessagePort` (a worker thread's `parentPort`, one end of a
 * `MessageChannel`, or anything with the same `postMessage` / `on('message')` / `'close'`
 * shape). Messages go by structured clone, what is sent in one turn as one batch message (the
 * peer on the other end unpacks it: use forkrpc on both ends). When the port closes, calls in
 * flight reject with ChannelClosedError.
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
export function messagePortChannel(port: MessagePort): Channel & { flush(): void } {
  const sender = new BatchingSender(postingWrite(port))
  return {
    serialization: 'advanced',
    ...ipcEndpoint(port, sender, () => 'port'),
    flush: sender.flushNow,
    onClose(listener) {
      port.once('close', () =>
        listener(
          (procedure, inFlight) =>
            new ChannelClosedError(inFlight ? `The message port closed before call "${procedure}" returned` : 'The message port is closed', { procedure }),
        ),
      )
    },
  }
}
