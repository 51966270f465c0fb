/**
 * `@forkrpc/nats`: serve and call a forkrpc contract across machines over NATS. The same
 * contract and handlers as over `fork()`, with the calls spread over a queue group.
 *
 * @remarks
 * The NATS connection is always yours (`connect()` of `@nats-io/transport-node`, with the servers,
 * credentials and TLS you need): forkrpc never closes it. Contracts with host procedures (two-way
 * calls) are refused, with a type error and a `TypeError` at run time. packages/nats/README.md has
 * the design and the failure bounds, docs/nats.md the deployment guide.
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
