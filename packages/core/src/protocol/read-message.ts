/**
 * The reader of what arrives: a message that is not forkrpc's is left alone, one that is
 * malformed (or of another protocol version) is dropped, and only well-formed messages reach
 * the rest of forkrpc, with their fields of the right types.
 */
import { MessageType, PROTOCOL_VERSION, type ProtocolMessage } from './messages.js'
import { MAX_STREAM_CREDIT } from './limits.js'

type Fields = Partial<Record<string, unknown>>

/** A whole number of chunks, at least 1, small enough to add without losing precision. */
function isCount(value: unknown): boolean {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 1
}

/**
 * The largest credit window a request may open (the same as `MAX_STREAM_CREDIT` of
 * contract/stream.ts, which the caller's options are held to): a larger one is malformed.
 */
const isWindow = (value: unknown): boolean => isCount(value) && (value as number) <= MAX_STREAM_CREDIT

const isString = (value: unknown): boolean => typeof value === 'string'
const isOptional = (check: (value: unknown) => boolean) => (value: unknown) => value === undefined || check(value)
const isNames = (value: unknown): boolean => Array.isArray(value) && value.every(isString)
const isBytes = (value: unknown): boolean => typeof value === 'number' && value > 0
const isDuration = (value: unknown): boolean => typeof value === 'number' && value >= 0 && Number.isFinite(value)
// Made once, not per message: these checks run on every message that arrives.
const optionalWindow = isOptional(isWindow)
const optionalDuration = isOptional(isDuration)
const optionalString = isOptional(isString)
const optionalBytes = isOptional(isBytes)
const isStringRecord = (value: unknown): boolean =>
  typeof value === 'object' && value !== null && !Array.isArray(value) && Object.values(value).every(isString)

function isMemoryLimits(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false
  const { hb, rb } = value as Fields
  return optionalBytes(hb) && optionalBytes(rb)
}

/** For each message type, the check of its fields (besides `$fr` and `t`). */
const shapes: Readonly<Record<string, (message: Fields) => boolean>> = {
  [MessageType.Request]: (m) =>
    isString(m.i) && isString(m.m) && optionalWindow(m.w) && optionalWindow(m.u) && optionalDuration(m.dl) && (m.md === undefined || isStringRecord(m.md)) && (m.sn === undefined || m.sn === true),
  [MessageType.Cancel]: (m) => isString(m.i) && (m.r === 'a' || m.r === 't' || m.r === 'w') && (m.ms === undefined || typeof m.ms === 'number'),
  [MessageType.ResultCredit]: (m) => isString(m.i) && isCount(m.g),
  [MessageType.InputChunks]: (m) => isString(m.i) && (m.f === undefined || typeof m.f === 'boolean'),
  [MessageType.Result]: (m) => isString(m.i),
  [MessageType.Failure]: (m) => isString(m.i),
  [MessageType.ResultChunks]: (m) => isString(m.i),
  [MessageType.InputCredit]: (m) => isString(m.i) && isCount(m.g),
  [MessageType.Settled]: (m) => isString(m.i),
  [MessageType.Started]: (m) => isString(m.i),
  [MessageType.Event]: (m) => isString(m.n) && optionalString(m.i),
  [MessageType.Batch]: (m) => Array.isArray(m.p),
  [MessageType.Ready]: (m) => isNames(m.n) && optionalString(m.iu),
  [MessageType.OverLimit]: (m) => typeof m.hb === 'number' && typeof m.rb === 'number',
  [MessageType.ReadyQuery]: (m) => isOptional(isNames)(m.n),
  [MessageType.ReadyAck]: (m) => (m.s === 'json' || m.s === 'advanced') && isOptional(isMemoryLimits)(m.l) && isOptional((c) => isCount(c) && (c as number) >= 1)(m.c) && isOptional((st) => st === true)(m.st),
  [MessageType.Shutdown]: () => true,
  [MessageType.Ping]: (m) => Number.isSafeInteger(m.n),
  [MessageType.Pong]: (m) => Number.isSafeInteger(m.n),
  [MessageType.Sigterm]: () => true,
}

/**
 * Classifies a received message: `undefined` for one that is not forkrpc's (to be left
 * alone), `false` for a forkrpc message that is malformed or of another protocol version
 * (to be dropped), or the message itself.
 */
export function readMessage(message: unknown): ProtocolMessage | false | undefined {
  if (typeof message !== 'object' || message === null || !Object.hasOwn(message, '$fr')) return undefined
  const candidate = message as Fields
  if (candidate.$fr !== PROTOCOL_VERSION || typeof candidate.t !== 'string' || !Object.hasOwn(shapes, candidate.t)) return false
  return (shapes[candidate.t] as (message: Fields) => boolean)(candidate) ? (message as ProtocolMessage) : false
}

/** True for a message that looks like forkrpc's (it has the `$fr` key), whatever its version. */
export function isForkRpcMessage(message: unknown): message is { $fr: unknown; t?: unknown } {
  return typeof message === 'object' && message !== null && Object.hasOwn(message, '$fr')
}
