/**
 * `@forkrpc/core/channel`: run a contract over a channel of your own: a MessagePort, an
 * Electron utility process, a socket (the in-memory test pair of `@forkrpc/testing` is built
 * on this). Most users need only `fork`, `spawnThread` and `serve`.
 *
 * @example
 * ```ts
 * import { createClient, createRouter, type Channel } from '@forkrpc/core/channel'
 * ```
 * @packageDocumentation
 */
export { CloseListeners } from './channel/channel.js'
export type { Channel, CloseReason } from './channel/channel.js'
export { messagePortChannel } from './channel/message-port-channel.js'
export { createClient, createRouter } from './rpc/peer-roles.js'
export type { ClientCore, ClientOptions, RouterCore, RouterOptions } from './rpc/peer-roles.js'
export { MessageType, PROTOCOL_VERSION } from './protocol/messages.js'
export { workerExited } from './errors/worker-errors.js'
