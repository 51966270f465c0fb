/**
 * Rebuilds a marshalled thrown value (error-marshalling.ts) as an Error in the caller. Every
 * field comes from the other side, so the walk is bounded whatever it holds: each part is
 * rebuilt once (a part met again, as structured clone keeps shared and circular references,
 * is the same rebuilt Error), at most MAX_ERROR_PARTS of them and MAX_ERROR_DEPTH deep, and
 * what makes an Error printable (`name`, `message`, `stack`, `toString`) is never taken
 * from `props`: the result always prints.
 */
import { ProtocolError } from '../errors/call-errors.js'
import { MAX_ERROR_DEPTH, MAX_ERROR_PARTS, safeString, TRUNCATED_MESSAGE, type MarshalledError } from './error-marshalling.js'
import type { ErrorRegistry } from './error-registry.js'

/** What the caller knows when it rebuilds an error: the call's procedure. */
export interface UnmarshalContext {
  /** The procedure of the call that failed. */
  procedure?: string | undefined
}

/**
 * Properties `props` may not set: those marshalled in their own fields, and those that
 * printing an Error calls (`String(error)` calls `toString`, then `valueOf`). `name` may
 * come from `props` as a string only.
 */
const UNSETTABLE = new Set(['message', 'stack', 'cause', 'errors', 'toString', 'valueOf'])

/** One rebuild: the parts rebuilt so far (by their data), how many more may be, and the stand-in for the rest. */
interface RebuildWalk {
  readonly registry: ErrorRegistry
  readonly procedure: string | undefined
  readonly built: Map<object, unknown>
  remaining: number
  truncated?: Error
}

/** Rebuilds a thrown value (the caller's frames are joined to it later: rpc/caller-stack.ts). */
export function unmarshalThrown(data: unknown, registry: ErrorRegistry, context: UnmarshalContext = {}): unknown {
  return rebuildPart(data, { registry, procedure: context.procedure, built: new Map(), remaining: MAX_ERROR_PARTS }, 0)
}

function rebuildPart(data: unknown, walk: RebuildWalk, depth: number): unknown {
  const { procedure } = walk
  if (typeof data !== 'object' || data === null) {
    // A cause or an entry that is no marshalled value is kept as it came (a few bytes must
    // not become an Error and its captured stack each); the reply itself must be an object.
    return depth > 0 ? data : new ProtocolError(`Call "${procedure}" failed with a malformed error reply`, { procedure })
  }
  if (walk.built.has(data)) return walk.built.get(data)
  if (walk.remaining <= 0) return (walk.truncated ??= truncated())
  walk.remaining--
  if ('value' in data) return data.value
  const marshalled = data as Partial<MarshalledError>
  const name = safeString(marshalled.name, 'Error')
  const ErrorClass = (typeof marshalled.c === 'string' ? walk.registry.classes.get(marshalled.c) : undefined) ?? Error
  const error = Object.create(ErrorClass.prototype) as Error
  walk.built.set(data, error)
  define(error, 'message', safeString(marshalled.message, ''))
  if (error.name !== name) define(error, 'name', name)
  define(error, 'stack', typeof marshalled.stack === 'string' ? marshalled.stack : `${name}: ${error.message}`)
  if (depth < MAX_ERROR_DEPTH) {
    if (marshalled.cause !== undefined) define(error, 'cause', rebuildPart(marshalled.cause, walk, depth + 1))
    if (Array.isArray(marshalled.errors)) define(error, 'errors', rebuildEntries(marshalled.errors, walk, depth + 1))
  }
  copyProps(error, marshalled.props)
  return error
}

/** AggregateError's entries, as many as the walk has parts left for. */
function rebuildEntries(entries: unknown[], walk: RebuildWalk, depth: number): unknown[] {
  const rebuilt: unknown[] = []
  for (let i = 0; i < entries.length && walk.remaining > 0; i++) rebuilt.push(rebuildPart(entries[i], walk, depth))
  return rebuilt
}

function copyProps(error: Error, props: unknown): void {
  if (typeof props !== 'object' || props === null) return
  for (const key of Object.keys(props)) {
    const value = (props as Record<string, unknown>)[key]
    if (UNSETTABLE.has(key) || (key === 'name' && typeof value !== 'string')) continue
    // defineProperty, unlike assignment, never invokes a `__proto__` setter.
    Object.defineProperty(error, key, { value, writable: true, enumerable: key !== 'name', configurable: true })
  }
}

function truncated(): Error {
  const error = new Error(TRUNCATED_MESSAGE)
  define(error, 'stack', `Error: ${TRUNCATED_MESSAGE}`)
  return error
}

function define(target: object, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, writable: true, enumerable: false, configurable: true })
}
