/**
 * Timeouts: the one check of a timeout option, setTimeout's range, and waiting for a promise
 * at most so long. `0` and `Infinity` mean "no timeout" throughout forkrpc.
 */
import pTimeout from 'p-timeout'

/** The longest delay setTimeout honours (about 24.8 days); beyond it, it fires at once. */
export const MAX_TIMER_MS = 2 ** 31 - 1

/**
 * Throws a TypeError unless `timeout` (the option `name`, of `where` if given) is undefined,
 * a non-negative number or Infinity.
 */
export function checkTimeout(timeout: unknown, name: string, where?: string): asserts timeout is number | undefined {
  if (timeout !== undefined && (typeof timeout !== 'number' || Number.isNaN(timeout) || timeout < 0)) {
    throw new TypeError(`${where === undefined ? '' : `${where}: `}${name} must be a non-negative number of milliseconds (or Infinity), got ${String(timeout)}`)
  }
}

/** A timeout as a limit: the number of ms, or undefined for "none" (`undefined`, `0`, `Infinity`). */
export function limitOf(timeout: number | undefined): number | undefined {
  return timeout !== undefined && timeout > 0 && timeout !== Infinity ? timeout : undefined
}

/**
 * Calls `fire` after `ms` milliseconds, also beyond setTimeout's range (reached in steps).
 * Returns the function that cancels it.
 */
export function after(ms: number, fire: () => void): () => void {
  let timer: NodeJS.Timeout
  const arm = (remaining: number): void => {
    timer = remaining > MAX_TIMER_MS ? setTimeout(arm, MAX_TIMER_MS, remaining - MAX_TIMER_MS) : setTimeout(fire, remaining)
  }
  arm(ms)
  return () => clearTimeout(timer)
}

/**
 * Waits for `promise`, but no longer than `ms` (0: not at all; Infinity, or anything beyond
 * setTimeout's range: as long as it takes). Never rejects on the timeout.
 */
export async function waitAtMost(promise: Promise<unknown>, ms: number): Promise<void> {
  if (ms <= 0) return
  await pTimeout(promise, { milliseconds: ms > MAX_TIMER_MS ? Infinity : ms, message: false })
}

/**
 * Races `promise` against `ms` milliseconds: resolves with its value, or rejects with
 * `onTimeout()` (0 ms: at once; beyond setTimeout's range: never).
 */
export function within<T>(promise: Promise<T>, ms: number, onTimeout: () => unknown): Promise<T> {
  return pTimeout(promise, {
    milliseconds: ms > MAX_TIMER_MS ? Infinity : Math.max(ms, 1),
    message: false,
    fallback: () => {
      throw onTimeout()
    },
  }) as Promise<T>
}

/**
 * Throws a TypeError unless `options` (of `where`: "close()", "shutdownAll()") is an object
 * whose `grace` and `killTimeout` are valid timeouts.
 */
export function checkStopOptions(options: unknown, where: string): asserts options is { grace?: number | undefined; killTimeout?: number | undefined } {
  if (typeof options !== 'object' || options === null) throw new TypeError(`${where}: options must be an object, got ${options === null ? 'null' : typeof options}`)
  const { grace, killTimeout } = options as { grace?: unknown; killTimeout?: unknown }
  checkTimeout(grace, 'grace', where)
  checkTimeout(killTimeout, 'killTimeout', where)
}
