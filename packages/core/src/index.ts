/**
 * `@forkrpc/core`: contract-first, typed RPC between a Node.js app and its workers (child
 * processes and worker threads). The public entry point: everything here is the API.
 *
 * @remarks
 * Times are in milliseconds. A timeout of `0` or `Infinity` means none, everywhere. The guides in
 * docs/ answer one question each: processes or threads, errors, timeouts and cancellation, pools
 * under overload, shutdown and signals, security, troubleshooting, the wire protocol, NATS.
 *
 * @example
 * ```ts
 * import { defineContract, procedure, fork, serve } from '@forkrpc/core'
 * ```
 * @packageDocumentation
 */
export { defineContract } from './contract/define-contract.js'
export type { AnyDeclaration, Contract, ContractOptions, ErrorClass, HostProcedures, Procedures } from './contract/define-contract.js'
export { procedure } from './contract/procedure.js'
export type { AnyProcedure, InputOfSchema, OutputOfSchema, Procedure, ProcedureOptions, ProcedureTypes, SchemaProcedureOptions } from './contract/procedure.js'
export { DEFAULT_STREAM_CREDIT, inputStream, MAX_STREAM_CREDIT, stream } from './contract/stream.js'
export type { AnyInputStreamProcedure, AnyStreamProcedure, InputStreamProcedure, StreamDeclaration, StreamOptions, StreamProcedure } from './contract/stream.js'
export { event } from './contract/event.js'
export type { EventDefinition, EventDefinitions, EventPayload, PayloadArgument } from './contract/event.js'
export type { CallOptions, Client, EventSource, HostClient, InputStreamCallOptions, Notify, ProcedureCall, ProgressOption, StreamCallOptions } from './contract/call-types.js'
export type { Handler, HandlerContext, Handlers, NotificationHandlers } from './contract/handler-types.js'
export type { CallInterceptor, CallKind, EventInterceptor, HandledCall, HandlerInterceptor, InterceptedCall, InterceptedEvent, Interceptors } from './contract/interceptor-types.js'
export type { ContractWithoutHost, HostContract, HostHandlers, HostOption } from './contract/host.js'
export type { StandardSchemaV1 } from './contract/standard-schema.js'
export type { Serialization } from './protocol/payload.js'
export { DEFAULT_MAX_MESSAGE_BYTES, DEFAULT_MAX_PENDING } from './protocol/limits.js'
export type { MessageLimitOptions } from './protocol/limits.js'
export { fork } from './worker/fork.js'
export type { ForkOptions } from './worker/fork.js'
export { connect } from './worker/connect.js'
export type { ConnectOptions } from './worker/connect.js'
export { spawnThread } from './worker/spawn-thread.js'
export type { ThreadOptions } from './worker/spawn-thread.js'
export type { ContractWorker, RpcWorker, ThreadWorker } from './worker/contract-worker.js'
export { DEFAULT_GRACE_MS, DEFAULT_KILL_TIMEOUT_MS, DEFAULT_STARTUP_TIMEOUT_MS } from './worker/worker-options.js'
export type { WorkerOptions } from './worker/worker-options.js'
export type { LeastPrivilegeOptions, WorkerPermissions } from './worker/privilege/permissions.js'
export { serve } from './serve/serve.js'
export { DEFAULT_SHUTDOWN_TIMEOUT_MS } from './serve/serve-options.js'
export type { ServeOptions, ShutdownCause, ShutdownHook } from './serve/serve-options.js'
export { shutdownAll, workers } from './supervision/registry.js'
export type { CloseOptions, ExitResult, ShutdownResult, StopOptions, WorkerInfo, WorkerRuntime, WorkerState } from './supervision/registry.js'
export { DEFAULT_BEFORE_SHUTDOWN_TIMEOUT_MS, handleSignals } from './supervision/handle-signals.js'
export type { HandleSignalsOptions } from './supervision/handle-signals.js'
export { createPool } from './pool/create-pool.js'
export type { Pool, PoolStats } from './pool/create-pool.js'
export type { PoolCommonOptions, PoolOptions, ProcessPoolOptions, ThreadPoolOptions } from './pool/pool-options.js'
export { DEFAULT_CANCEL_GRACE, DEFAULT_PREFETCH } from './pool/pool-options.js'
export type { OverloadMode } from './pool/overload-policy.js'
export type { PoolCallOptions } from './pool/pool-call-options.js'
export type { ProcedureStats, WorkerStats } from './pool/pool-metrics.js'
export type { DurationStats } from './pool/sample-window.js'
export type { MemberState } from './pool/pool-member.js'
export type { PoolState } from './pool/pool-state.js'
export type { ExitReason, PoolEvents, WorkerIdentity } from './pool/pool-events.js'
export type { CrashGuardOptions } from './pool/crash-guard.js'
export { ForkRpcError } from './errors/forkrpc-error.js'
export type { ForkRpcErrorOptions } from './errors/forkrpc-error.js'
export { AbortError, PayloadTooLargeError, ProtocolError, SerializationError, TimeoutError, TooManyPendingCallsError, UnknownProcedureError, ValidationError } from './errors/call-errors.js'
export type { PayloadTooLargeErrorOptions, TimeoutErrorOptions, TooManyPendingCallsErrorOptions, ValidationErrorOptions, ValidationIssue } from './errors/call-errors.js'
export { ChannelClosedError, ContractMismatchError, StartupError, WorkerExitedError, WorkerOutOfMemoryError, WorkerUnresponsiveError } from './errors/worker-errors.js'
export { PermissionDeniedError } from './errors/permission-errors.js'
export type { PermissionDeniedErrorOptions } from './errors/permission-errors.js'
export type { ContractMismatchErrorOptions, ExitDetails, StartupErrorOptions, WorkerExitedErrorOptions, WorkerUnresponsiveErrorOptions } from './errors/worker-errors.js'
export type { UnresponsiveEvent } from './worker/liveness.js'
export type { InspectEvent, InspectOption, InspectOptions } from './worker/inspect-option.js'
export { CrashLoopError, PoolOverloadedError, QueueFullError } from './errors/pool-errors.js'
export type { PoolOverloadedErrorOptions, QueueFullErrorOptions } from './errors/pool-errors.js'
