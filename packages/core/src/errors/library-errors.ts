/**
 * forkrpc's own error classes by name: they come back as themselves across a channel.
 */
import { AbortError, PayloadTooLargeError, ProtocolError, SerializationError, TimeoutError, TooManyPendingCallsError, UnknownProcedureError, ValidationError } from './call-errors.js'
import { ForkRpcError } from './forkrpc-error.js'
import { CrashLoopError, PoolOverloadedError, QueueFullError } from './pool-errors.js'
import { PermissionDeniedError } from './permission-errors.js'
import { ChannelClosedError, ContractMismatchError, StartupError, WorkerExitedError, WorkerOutOfMemoryError, WorkerUnresponsiveError } from './worker-errors.js'

/** An error class (any constructor of Errors). */
export type AnyErrorClass = abstract new (...args: never[]) => Error

/** The library's error classes, by name, so that they come back as themselves. */
export const libraryErrors: ReadonlyMap<string, AnyErrorClass> = new Map<string, AnyErrorClass>(
  [
    ForkRpcError,
    TimeoutError,
    AbortError,
    WorkerExitedError,
    WorkerUnresponsiveError,
    WorkerOutOfMemoryError,
    PermissionDeniedError,
    ChannelClosedError,
    UnknownProcedureError,
    ValidationError,
    SerializationError,
    ContractMismatchError,
    StartupError,
    PayloadTooLargeError,
    TooManyPendingCallsError,
    ProtocolError,
    QueueFullError,
    PoolOverloadedError,
    CrashLoopError,
  ].map((errorClass): [string, AnyErrorClass] => [errorClass.name, errorClass]),
)
