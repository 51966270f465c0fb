/**
 * `@forkrpc/nats`: serve and call a forkrpc contract across machines over NATS. The same
 * contract and handlers as over `fork()`, with the calls spread over a queue group.
 *
 * @example
 * ```ts
 * import { connectNats, serveNats } from '@forkrpc/nats'
 * ```
 * @packageDocumentation
 */
export { serveNats, DEFAULT_HEARTBEAT_MS } from './serve-nats.js'
export type { NatsServer, ServeNatsOptions } from './serve-nats.js'
export { connectNats, DEFAULT_HEARTBEAT_TIMEOUT_MS, DEFAULT_MAX_HELD_BYTES, DEFAULT_MAX_HELD_MESSAGES } from './connect-nats.js'
export type { ConnectNatsOptions, NatsWorker } from './connect-nats.js'
export { InstanceLostError, NoRespondersError, TooManyHeldMessagesError } from './errors.js'
export type { InstanceLostErrorOptions, LostReason, NoRespondersErrorOptions, TooManyHeldMessagesErrorOptions } from './errors.js'
