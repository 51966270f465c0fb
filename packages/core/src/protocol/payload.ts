/**
 * How a message carries a payload (a call's input, result or error, chunks, an event), and
 * the two serializations a channel can have.
 */

/**
 * What survives a channel: `json` (the message after JSON.stringify/parse, as Node's default
 * IPC does; forkrpc then encodes Dates, Maps, BigInts, ... itself) or `advanced` (the
 * structured clone algorithm: values travel as they are, as on a worker thread's port).
 *
 * @example
 * ```ts
 * const serialization: Serialization = 'advanced' // Buffers and typed arrays, at a higher cost per message
 * ```
 */
export type Serialization = 'json' | 'advanced'

/**
 * The payload fields of a message: `v` holds the value as it is, `x` the value encoded by
 * superjson (on `json`, for what JSON cannot carry exactly). At most one is set; neither
 * means `undefined`.
 */
export interface PayloadFields {
  /** The payload as it is. */
  v?: unknown
  /** The payload encoded by superjson: `{ json, meta }`. */
  x?: { json: unknown; meta?: unknown }
}
