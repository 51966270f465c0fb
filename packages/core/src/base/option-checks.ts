/**
 * Checks of option values that several layers take. Each throws a TypeError naming the
 * option and the value it got.
 */

/** Throws a TypeError unless `value` (the option `name`, of `where` if given) is undefined, a positive number or Infinity. */
export function checkLimit(value: unknown, name: string, where?: string): asserts value is number | undefined {
  if (value !== undefined && (typeof value !== 'number' || Number.isNaN(value) || value <= 0)) {
    throw new TypeError(`${where === undefined ? '' : `${where}: `}${name} must be a positive number (or Infinity), got ${String(value)}`)
  }
}

/** Throws a TypeError unless `value` is undefined or a boolean. */
export function checkBoolean(value: unknown, name: string): asserts value is boolean | undefined {
  if (value !== undefined && typeof value !== 'boolean') throw new TypeError(`${name} must be a boolean, got ${typeof value}`)
}

/** Throws a TypeError unless `value` is undefined or a function. */
export function checkFunction(value: unknown, name: string): asserts value is ((...args: never[]) => unknown) | undefined {
  if (value !== undefined && typeof value !== 'function') throw new TypeError(`${name} must be a function, got ${typeof value}`)
}

/** Throws a TypeError unless `value` is an object (not null). */
export function checkObject(value: unknown, name: string): asserts value is object {
  if (typeof value !== 'object' || value === null) throw new TypeError(`${name} must be an object, got ${value === null ? 'null' : typeof value}`)
}

/** `"a", "b"`: names quoted and joined, for messages. */
export function quoted(names: readonly string[]): string {
  return names.map((name) => `"${name}"`).join(', ')
}
