/**
 * What a pool call adds to a call's options: its `priority` in the queue and the `key` that
 * routes it to one worker. Checked here, for every kind of call; a bad one is a TypeError,
 * which the call function turns into a rejected promise (a stream: its first `next()`).
 */

/**
 * The options a pool's calls take besides a worker call's (`signal`, `timeout`,
 * `onProgress`, `credit`).
 *
 * @example
 * ```ts
 * await pool.call.render(page, { priority: 10 }) // ahead of the queued calls of priority 0
 * await pool.call.lookup(query, { key: `tenant:${tenantId}` }) // the same worker as that tenant's other calls
 * ```
 */
export interface PoolCallOptions {
  /**
   * Higher leaves the queue first; calls of one priority leave in the order they came
   * (a retried call goes first). Any finite number; default 0. It orders the calls waiting
   * in the pool only: a running call is never preempted, and calls already sent ahead to a
   * worker (`prefetch`) are not overtaken there; for priorities that matter under load, give
   * the pool `prefetch: 0`.
   */
  priority?: number | undefined
  /**
   * Calls with the same key go to the same worker while it lives (its warm caches, a
   * tenant's state), chosen by rendezvous hashing over the workers that take calls, so that
   * a worker that comes or goes moves only the keys it gains or had. A keyed call waits for
   * its worker when that one was given `concurrency + prefetch` calls, rather than go to another.
   */
  key?: string | undefined
}

/** A pool call's routing, checked: its priority and key, and the key's hash. */
export interface PoolRouting {
  readonly priority: number
  readonly key: string | undefined
}

/** The routing of a call without options, or without routing options: the same object every time. */
export const DEFAULT_ROUTING: PoolRouting = Object.freeze({ priority: 0, key: undefined })

/**
 * Checks the `priority` and `key` of a pool call of `name`; throws a TypeError for a bad one.
 * Other options are left to `readCallOptions`.
 */
export function readPoolCallOptions(name: string, options: unknown): PoolRouting {
  if (typeof options !== 'object' || options === null) return DEFAULT_ROUTING
  const { priority, key } = options as { priority?: unknown; key?: unknown }
  if (priority === undefined && key === undefined) return DEFAULT_ROUTING
  if (priority !== undefined && (typeof priority !== 'number' || !Number.isFinite(priority))) {
    throw new TypeError(`call "${name}": options.priority must be a finite number, got ${typeof priority === 'number' ? String(priority) : typeof priority}`)
  }
  if (key !== undefined && typeof key !== 'string') throw new TypeError(`call "${name}": options.key must be a string, got ${key === null ? 'null' : typeof key}`)
  return { priority: priority ?? 0, key }
}
