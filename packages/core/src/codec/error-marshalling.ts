/**
 * Turns what a handler throws into plain data for the channel, and back into an Error in
 * the caller: name, message, `code`, the `cause` chain, AggregateError's `errors`, custom
 * own properties, and a stack that joins the child's frames to the caller's. Classes
 * registered with the contract (and forkrpc's own errors, and the built-in Error types)
 * come back as instances of themselves, matched by class, not by `name`; an instance of
 * an unregistered class comes back as its nearest registered ancestor (usually Error),
 * with the same `name`, message and properties.
 */
import { dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import { types } from 'node:util'
import { isEncodable } from './encodable.js'
import { ProtocolError } from '../errors/call-errors.js'
import { asPermissionDenied } from '../errors/permission-errors.js'
import type { ErrorRegistry } from './error-registry.js'

/** An error, or any other thrown value, as plain data. */
export type MarshalledThrow = MarshalledError | { value: unknown }

/** An Error as plain data. */
export interface MarshalledError {
  /** The error's `name`. */
  name: string
  message: string
  stack?: string | undefined
  /** The registry key of the error's class (or of its nearest registered ancestor). */
  c?: string
  cause?: MarshalledThrow
  errors?: MarshalledThrow[]
  /** Own enumerable properties other than the above (`code` among them). */
  props?: Record<string, unknown>
}

const MAX_DEPTH = 16
/**
 * The package's root (`dist/codec/../..`, which holds `src/` too, where source maps point): frames
 * from there down (the dispatch, Node's internals) are noise to the user.
 */
const OWN_FRAMES = `${dirname(dirname(dirname(fileURLToPath(import.meta.url))))}/`
const RESERVED = new Set(['name', 'message', 'stack', 'cause', 'errors'])

/** True for Errors, also those made in another realm (vm, a worker thread). */
export function isError(value: unknown): value is Error {
  return value instanceof Error || types.isNativeError(value)
}

/**
 * Converts a thrown value to plain data that the codec can carry. An access the runtime's
 * permissions denied (Node's ERR_ACCESS_DENIED, Deno's NotCapable) goes as PermissionDeniedError.
 */
export function marshalThrown(value: unknown, registry: ErrorRegistry, depth = 0, seen: unknown[] = []): MarshalledThrow {
  const thrown = asPermissionDenied(value) ?? value
  if (!isError(thrown)) return { value: encodableOr(thrown, `[unserializable thrown value: ${describe(thrown)}]`) }
  if (depth >= MAX_DEPTH || seen.includes(thrown)) return { name: 'Error', message: '[cause chain truncated]' }
  seen.push(thrown)
  const marshalled: MarshalledError = { name: safeString(thrown.name, 'Error'), message: safeString(thrown.message, '') }
  if (typeof thrown.stack === 'string') marshalled.stack = trimOwnFrames(thrown.stack)
  const key = registry.keyOf(thrown)
  if (key !== undefined && key !== 'Error') marshalled.c = key
  if (Object.hasOwn(thrown, 'cause')) marshalled.cause = marshalThrown(thrown.cause, registry, depth + 1, seen)
  const errors: unknown = (thrown as { errors?: unknown }).errors
  if (Array.isArray(errors)) marshalled.errors = errors.map((entry: unknown) => marshalThrown(entry, registry, depth + 1, seen))
  for (const key of Object.keys(thrown)) {
    if (RESERVED.has(key)) continue
    const value: unknown = (thrown as unknown as Record<string, unknown>)[key]
    // defineProperty: an own `__proto__` key must stay data, not call the setter.
    Object.defineProperty((marshalled.props ??= {}), key, { value: encodableOr(value, `[unserializable: ${describe(value)}]`), enumerable: true, writable: true, configurable: true })
  }
  // A `name` set as an own property (class fields do that) still has to come back.
  if (Object.hasOwn(thrown, 'name') && typeof thrown.name === 'string') (marshalled.props ??= {}).name = thrown.name
  seen.pop()
  return marshalled
}

/** What the caller knows when it rebuilds an error: the call's procedure and where it was made. */
export interface UnmarshalContext {
  /** The procedure of the call that failed. */
  procedure?: string | undefined
  /** Appended to the top-level error's stack: the caller's side of the trace (rpc/caller-stack.ts). */
  stackSuffix?: string | undefined
}

/**
 * Rebuilds a thrown value. `context.stackSuffix` (the caller's frames) is appended to the
 * top-level error's stack so that both sides show up in one trace.
 */
export function unmarshalThrown(data: unknown, registry: ErrorRegistry, context: UnmarshalContext = {}, depth = 0): unknown {
  const { procedure } = context
  if (typeof data !== 'object' || data === null) return new ProtocolError(`Call "${procedure}" failed with a malformed error reply`, { procedure })
  if ('value' in data) return data.value
  const marshalled = data as Partial<MarshalledError>
  const name = safeString(marshalled.name, 'Error')
  const ErrorClass = (typeof marshalled.c === 'string' ? registry.classes.get(marshalled.c) : undefined) ?? Error
  const error = Object.create(ErrorClass.prototype) as Error
  define(error, 'message', safeString(marshalled.message, ''))
  if (error.name !== name) define(error, 'name', name)
  const stack = typeof marshalled.stack === 'string' ? marshalled.stack : `${name}: ${error.message}`
  define(error, 'stack', stack + (context.stackSuffix ?? ''))
  if (depth < MAX_DEPTH) {
    const nested = { procedure }
    if (marshalled.cause !== undefined) define(error, 'cause', unmarshalThrown(marshalled.cause, registry, nested, depth + 1))
    if (Array.isArray(marshalled.errors)) define(error, 'errors', marshalled.errors.map((entry: unknown) => unmarshalThrown(entry, registry, nested, depth + 1)))
  }
  const props = marshalled.props
  if (typeof props === 'object' && props !== null) {
    for (const key of Object.keys(props)) {
      // defineProperty, unlike assignment, never invokes a `__proto__` setter.
      Object.defineProperty(error, key, { value: (props as Record<string, unknown>)[key], writable: true, enumerable: key !== 'name', configurable: true })
    }
  }
  return error
}

/** Cuts a stack at the first of forkrpc's own frames: below it is only the dispatch machinery. */
function trimOwnFrames(stack: string): string {
  const cut = stack.indexOf(OWN_FRAMES)
  if (cut === -1) return stack
  const lineStart = stack.lastIndexOf('\n', cut)
  return lineStart === -1 ? stack : stack.slice(0, lineStart)
}

function define(target: object, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, writable: true, enumerable: false, configurable: true })
}

function encodableOr(value: unknown, fallback: string): unknown {
  return isEncodable(value) ? value : fallback
}

function safeString(value: unknown, fallback: string): string {
  return typeof value === 'string' ? value : fallback
}

function describe(value: unknown): string {
  if (typeof value === 'function') return 'function'
  if (typeof value === 'symbol') return String(value)
  if (typeof value === 'object' && value !== null) return value.constructor?.name ?? 'object'
  return typeof value
}
