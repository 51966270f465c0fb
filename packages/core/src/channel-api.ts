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
export type { Channel, CloseReason } from './channel.js'
export { createClient } from './client.js'
export type { ClientCore, ClientOptions } from './client.js'
export { createRouter } from './router.js'
export type { RouterCore, RouterOptions } from './router.js'
export { PROTOCOL_VERSION } from './protocol.js'
export { messagePortChannel } from './thread-channel.js'
