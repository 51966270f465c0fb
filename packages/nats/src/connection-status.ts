/**
 * What a channel hears of its NATS connection's state. `status()` of @nats-io/nats-core 3.x
 * reports `disconnect` (the socket dropped; the client starts reconnecting), `reconnect`
 * (it is back, with its subscriptions), `close` (closed for good: by the application, or
 * after `maxReconnectAttempts`), and events that need nothing from forkrpc: `reconnecting`
 * (each attempt), `staleConnection` and `forceReconnect` (each followed by a `disconnect`),
 * `ldm` (the server enters lame duck mode; its `disconnect` follows when it goes), `update`,
 * `ping`, `error` and `slowConsumer`.
 */
import type { NatsConnection } from '@nats-io/transport-node'
import { debug } from './wire.js'

/** What to do on each event that matters. */
export interface StatusHandlers {
  readonly disconnect: () => void
  readonly reconnect?: (() => void) | undefined
  readonly close?: (() => void) | undefined
}

/**
 * Calls `handlers` on the connection's status events until the returned function is called.
 * Events arrive a few microtasks after the client dispatches them.
 */
export function watchStatus(nc: NatsConnection, handlers: StatusHandlers): () => void {
  const events = nc.status()
  void (async () => {
    try {
      for await (const status of events) {
        const handler = status.type === 'disconnect' ? handlers.disconnect : status.type === 'reconnect' ? handlers.reconnect : status.type === 'close' ? handlers.close : undefined
        try {
          handler?.()
        } catch (error) {
          debug('handling the status event %s failed: %o', status.type, error)
        }
      }
    } catch (error) {
      debug('status iterator failed: %o', error)
    }
  })()
  return () => (events as { stop?: () => void }).stop?.()
}
