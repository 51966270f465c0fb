/**
 * `@forkrpc/core/channel`: run a contract over a channel of your own: a MessagePort, an
 * Electron utility process, a socket (the in-memory test pair of `@forkrpc/testing` is built
 * on this). Most users need only `fork`, `spawnThread` and `serve`.
 *
 * @remarks
 * `fork`, `spawnThread`, `serve` and the test pair are built on the same. This entry point also
 * exports, as types only, the contract, handler, interceptor and error types its signatures name
 * (`Contract`, `Handlers`, `Client`, `Interceptors`, `WorkerExitedError`, ...): the same
 * declarations as `@forkrpc/core`'s; import the error classes' values from `@forkrpc/core`.
 * docs/protocol.md describes the messages.
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

// The types that the signatures above name, and those they name in turn: the same types as
// `@forkrpc/core` exports, here too so that this entry point is complete by itself (and its API
// report, api/channel-api.api.md, can check it). Type-only: import the error classes'
// values from `@forkrpc/core`.
export type { CallOptions, Client, EventSource, HostClient, InputStreamCallOptions, Notify, ProcedureCall, ProgressOption, StreamCallOptions } from './contract/call-types.js'
export type { Contract, ErrorClass, HostProcedures, Procedures } from './contract/define-contract.js'
export type { EventDefinition, EventDefinitions, EventPayload, PayloadArgument } from './contract/event.js'
export type { Handler, HandlerContext, Handlers, NotificationHandlers } from './contract/handler-types.js'
export type { HostContract, HostHandlers } from './contract/host.js'
export type { CallInterceptor, CallKind, EventInterceptor, HandledCall, HandlerInterceptor, InterceptedCall, InterceptedEvent, Interceptors } from './contract/interceptor-types.js'
export type { AnyProcedure, Procedure, ProcedureTypes } from './contract/procedure.js'
export type { StandardSchemaV1 } from './contract/standard-schema.js'
export type { AnyInputStreamProcedure, AnyStreamProcedure, InputStreamProcedure, StreamDeclaration, StreamProcedure } from './contract/stream.js'
export type { ForkRpcError, ForkRpcErrorOptions } from './errors/forkrpc-error.js'
export type { ExitDetails, WorkerExitedError, WorkerExitedErrorOptions } from './errors/worker-errors.js'
export type { MessageLimitOptions } from './protocol/limits.js'
export type { Serialization } from './protocol/payload.js'
