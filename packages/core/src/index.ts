/**
 * @forkrpc/core: contract-first, typed RPC over Node's `child_process.fork` IPC channel.
 *
 * @example
 * ```ts
 * import { defineContract, procedure, fork, serve } from '@forkrpc/core'
 * ```
 * @packageDocumentation
 */
export { defineContract, procedure } from './contract.js'
export type { AnyProcedure, Contract, ContractOptions, ErrorClass, HostProcedures, Procedure, ProcedureOptions, Procedures, SchemaProcedureOptions } from './contract.js'
export { inputStream, stream } from './stream.js'
export type { AnyInputStreamProcedure, AnyStreamProcedure, InputStreamProcedure, StreamOptions, StreamProcedure } from './stream.js'
export type { StreamCallOptions } from './stream-client.js'
export { event } from './event.js'
export type { EventDefinition, EventDefinitions, EventPayload, PayloadArgument } from './event.js'
export type { EventSource } from './event-hub.js'
export type { NotificationHandlers, Notify } from './notifications.js'
export type { ContractWithoutHost, HostClient, HostContract, HostHandlers, HostOption } from './host.js'
export { fork } from './fork.js'
export type { ForkOptions } from './fork.js'
export { connect } from './connect.js'
export type { ConnectOptions } from './connect.js'
export { serve } from './serve.js'
export { spawnThread } from './spawn-thread.js'
export type { ThreadOptions, ThreadWorker } from './spawn-thread.js'
export type { ContractWorker } from './contract-worker.js'
export type { ServeOptions, ShutdownCause, ShutdownHook } from './serve.js'
export { shutdownAll, workers } from './registry.js'
export type { ShutdownResult, WorkerInfo, WorkerState } from './registry.js'
export { handleSignals } from './signals.js'
export type { HandleSignalsOptions } from './signals.js'
export { DEFAULT_MAX_MESSAGE_BYTES, DEFAULT_MAX_PENDING } from './limits.js'
export type { MessageLimitOptions } from './limits.js'
export type { Handler, HandlerContext, Handlers } from './router.js'
export type { CallOptions, Client, ProcedureCall, ProgressOption } from './client.js'
export type { CloseOptions, RpcWorker, WorkerOptions } from './worker.js'
export type { ExitResult } from './terminate.js'
export type { Serialization } from './codec.js'
export type { StandardSchemaV1 } from './standard-schema.js'
export {
  AbortError,
  ChannelClosedError,
  ContractMismatchError,
  CrashLoopError,
  ForkRpcError,
  PayloadTooLargeError,
  QueueFullError,
  SerializationError,
  StartupError,
  TimeoutError,
  TooManyPendingCallsError,
  UnknownProcedureError,
  ValidationError,
  WorkerExitedError,
} from './errors.js'
export type { ExitDetails } from './errors.js'
export { createPool } from './pool.js'
export type { Pool, PoolOptions, PoolState, PoolStats } from './pool.js'
export type { ExitReason, PoolEvents } from './pool-events.js'
export type { CrashGuardOptions } from './crash-guard.js'
