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

/** How deep causes and AggregateError entries are followed; deeper ones are cut off. */
export const MAX_ERROR_DEPTH = 16
/**
 * How many values one marshalled error holds at most, counting the error, its causes and
 * AggregateError entries at every level: a graph of errors that share entries (or refer to
 * themselves, which structured clone keeps) would otherwise cost exponentially many steps.
 */
export const MAX_ERROR_PARTS = 1_000
/**
 * The package's root (`dist/codec/../..`, which holds `src/` too, where source maps point): frames
 * from there down (the dispatch, Node's internals) are noise to the user.
 */
const OWN_FRAMES = `${dirname(dirname(dirname(fileURLToPath(import.meta.url))))}/`
const RESERVED = new Set(['name', 'message', 'stack', 'cause', 'errors'])

/** What stands in for the causes and entries beyond MAX_ERROR_DEPTH or MAX_ERROR_PARTS, and for a cause that loops. */
export const TRUNCATED_MESSAGE = '[cause chain truncated]'
/**
 * What stands in for an Error met again in the same error (an entry shared by two
 * AggregateErrors): JSON would write it out in full each time, so a graph of a few shared
 * errors (structured clone keeps them shared) would unfold into a tree of MAX_ERROR_PARTS.
 */
export const REPEATED_MESSAGE = '[the same error again]'

/** True for Errors, also those made in another realm (vm, a worker thread). */
export function isError(value: unknown): value is Error {
  return value instanceof Error || types.isNativeError(value)
}

/** One marshalling: the errors above the current one (cycles), those marshalled already, and the parts left (MAX_ERROR_PARTS). */
interface MarshalWalk {
  readonly registry: ErrorRegistry
  readonly ancestors: unknown[]
  readonly seen: Set<Error>
  remaining: number
}

/** Converts a thrown value to plain data that the codec can carry (bounded: MAX_ERROR_DEPTH, MAX_ERROR_PARTS). */
export function marshalThrown(thrown: unknown, registry: ErrorRegistry): MarshalledThrow {
  return marshalPart(thrown, { registry, ancestors: [], seen: new Set(), remaining: MAX_ERROR_PARTS })
}

/** One error of the graph (or a thrown non-Error). An access the runtime's permissions denied (Node's ERR_ACCESS_DENIED, Deno's NotCapable) goes as PermissionDeniedError, also as a cause. */
function marshalPart(value: unknown, walk: MarshalWalk): MarshalledThrow {
  const thrown = asPermissionDenied(value) ?? value
  if (walk.ancestors.length >= MAX_ERROR_DEPTH || walk.remaining <= 0 || walk.ancestors.includes(thrown)) return { name: 'Error', message: TRUNCATED_MESSAGE }
  walk.remaining--
  if (!isError(thrown)) return { value: encodableOr(thrown, `[unserializable thrown value: ${describe(thrown)}]`) }
  if (walk.seen.has(thrown)) return { name: 'Error', message: REPEATED_MESSAGE }
  walk.seen.add(thrown)
  walk.ancestors.push(thrown)
  const marshalled: MarshalledError = { name: safeString(thrown.name, 'Error'), message: safeString(thrown.message, '') }
  if (typeof thrown.stack === 'string') marshalled.stack = trimOwnFrames(thrown.stack)
  const key = walk.registry.keyOf(thrown)
  if (key !== undefined && key !== 'Error') marshalled.c = key
  if (Object.hasOwn(thrown, 'cause')) marshalled.cause = marshalPart(thrown.cause, walk)
  const errors: unknown = (thrown as { errors?: unknown }).errors
  if (Array.isArray(errors)) {
    marshalled.errors = []
    for (let i = 0; i < errors.length && walk.remaining > 0; i++) marshalled.errors.push(marshalPart(errors[i], walk))
  }
  for (const key of Object.keys(thrown)) {
    if (RESERVED.has(key)) continue
    const value: unknown = (thrown as unknown as Record<string, unknown>)[key]
    // defineProperty: an own `__proto__` key must stay data, not call the setter.
    Object.defineProperty((marshalled.props ??= {}), key, { value: encodableOr(value, `[unserializable: ${describe(value)}]`), enumerable: true, writable: true, configurable: true })
  }
  // A `name` set as an own property (class fields do that) still has to come back.
  if (Object.hasOwn(thrown, 'name') && typeof thrown.name === 'string') (marshalled.props ??= {}).name = thrown.name
  walk.ancestors.pop()
  return marshalled
}

/** Cuts a stack at the first of forkrpc's own frames: below it is only the dispatch machinery. */
function trimOwnFrames(stack: string): string {
  const cut = stack.indexOf(OWN_FRAMES)
  if (cut === -1) return stack
  const lineStart = stack.lastIndexOf('\n', cut)
  return lineStart === -1 ? stack : stack.slice(0, lineStart)
}

function encodableOr(value: unknown, fallback: string): unknown {
  return isEncodable(value) ? value : fallback
}

/** `value` if it is a string, else `fallback`. */
export function safeString(value: unknown, fallback: string): string {
  return typeof value === 'string' ? value : fallback
}

function describe(value: unknown): string {
  if (typeof value === 'function') return 'function'
  if (typeof value === 'symbol') return String(value)
  if (typeof value === 'object' && value !== null) return value.constructor?.name ?? 'object'
  return typeof value
}
