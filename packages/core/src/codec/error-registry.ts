/**
 * The registry of error classes that come back as themselves across a channel: the
 * contract's, forkrpc's own, and the built-in Error types, each under a key that travels
 * with a marshalled error.
 */
import { libraryErrors, type AnyErrorClass } from '../errors/library-errors.js'

const builtinErrors: Array<[string, AnyErrorClass]> = [
  ['Error', Error],
  ['TypeError', TypeError],
  ['RangeError', RangeError],
  ['SyntaxError', SyntaxError],
  ['ReferenceError', ReferenceError],
  ['EvalError', EvalError],
  ['URIError', URIError],
  ['AggregateError', AggregateError],
]

/**
 * The error classes that come back as themselves, each under a key: the contract's by
 * class name, forkrpc's own as `forkrpc:Name`, and the built-in Error types.
 */
export interface ErrorRegistry {
  /** The class registered under `key`. */
  readonly classes: ReadonlyMap<string, AnyErrorClass>
  /** The key of the nearest registered class in `error`'s prototype chain. */
  keyOf(error: Error): string | undefined
}

export function errorRegistry(contractErrors: readonly AnyErrorClass[]): ErrorRegistry {
  const entries: Array<[string, AnyErrorClass]> = [
    ...contractErrors.map((errorClass): [string, AnyErrorClass] => [errorClass.name, errorClass]),
    ...[...libraryErrors].map(([name, errorClass]): [string, AnyErrorClass] => [`forkrpc:${name}`, errorClass]),
    ...builtinErrors,
  ]
  const classes = new Map<string, AnyErrorClass>()
  const keys = new Map<object, string>()
  for (const [key, errorClass] of entries) {
    if (classes.has(key) || keys.has(errorClass.prototype)) continue // the contract's win
    classes.set(key, errorClass)
    keys.set(errorClass.prototype, key)
  }
  return {
    classes,
    keyOf(error) {
      for (let proto: unknown = Object.getPrototypeOf(error); proto !== null && proto !== undefined; proto = Object.getPrototypeOf(proto)) {
        const key = keys.get(proto as object)
        if (key !== undefined) return key
      }
      return undefined
    },
  }
}

