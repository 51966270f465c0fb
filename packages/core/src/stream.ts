/**
 * Stream procedures: the child's handler is an async generator, the parent iterates the
 * chunks with `for await`. Declared in a contract next to ordinary procedures.
 */
import { checkTimeout } from './contract.js'

/**
 * A stream procedure of a contract: the caller passes `TInput` and iterates `TChunk`s.
 *
 * @example
 * ```ts
 * const lines: StreamProcedure<{ path: string }, string> = stream<{ path: string }, string>()
 * ```
 */
export interface StreamProcedure<TInput, TChunk> {
  readonly kind: 'stream'
  /** Streams are declared by types only; always undefined. */
  readonly input: undefined
  /** Streams are declared by types only; always undefined. */
  readonly output: undefined
  /** Default longest wait, in milliseconds, for each next chunk while the consumer waits for it. */
  readonly timeout: number | undefined
  /** How many chunks the child may send before the parent acknowledges them. */
  readonly credit: number
  /** Type-level only; never set at runtime. */
  readonly '~types'?: { input: TInput; chunk: TChunk }
}

/**
 * Any stream procedure, whatever its types.
 *
 * @example
 * ```ts
 * const streams: Record<string, AnyStreamProcedure> = { lines: stream<string, string>() }
 * ```
 */
export type AnyStreamProcedure = StreamProcedure<unknown, unknown>

/**
 * Options of {@link stream}.
 *
 * @example
 * ```ts
 * const ticks = stream<void, number>({ credit: 64, timeout: 5_000 } satisfies StreamOptions)
 * ```
 */
export interface StreamOptions {
  /**
   * Default timeout between chunks in milliseconds: how long the consumer may wait for
   * the next chunk (time the consumer itself spends between chunks does not count). A
   * call's own `timeout` wins. `0` or `Infinity`: none.
   */
  timeout?: number
  /**
   * The most chunks the child may have sent and the parent not yet consumed (default
   * {@link DEFAULT_STREAM_CREDIT}). It bounds memory on both sides when the consumer is slow.
   */
  credit?: number
}

/**
 * The default credit window of a stream: chunks in flight before the child waits.
 *
 * @example
 * ```ts
 * const window = definition.credit ?? DEFAULT_STREAM_CREDIT
 * ```
 */
export const DEFAULT_STREAM_CREDIT = 16

/** The largest credit window accepted: more would defeat flow control. */
const MAX_STREAM_CREDIT = 65_536

/**
 * Declares a stream procedure: the handler is an async generator (or returns any
 * AsyncIterable), and `worker.call.name(input)` is an AsyncIterable of its chunks.
 *
 * @example
 * ```ts
 * export const files = defineContract({
 *   lines: stream<{ path: string }, string>({ credit: 32 }),
 * })
 * // worker:  async *lines({ path }) { for await (const line of readLines(path)) yield line }
 * // parent:  for await (const line of worker.call.lines({ path })) console.log(line)
 * ```
 */
export function stream<TInput = void, TChunk = unknown>(options: StreamOptions = {}): StreamProcedure<NoInfer<TInput>, NoInfer<TChunk>> {
  if (typeof options !== 'object' || options === null) throw new TypeError('stream(options): options must be an object')
  checkTimeout(options.timeout, 'stream({ timeout })')
  const credit = options.credit ?? DEFAULT_STREAM_CREDIT
  checkCredit(credit, 'stream({ credit })')
  return Object.freeze({ kind: 'stream', input: undefined, output: undefined, timeout: options.timeout, credit })
}

/** Throws a TypeError unless `credit` is a whole number from 1 to 65,536. */
export function checkCredit(credit: unknown, where: string): asserts credit is number {
  if (typeof credit !== 'number' || !Number.isInteger(credit) || credit < 1 || credit > MAX_STREAM_CREDIT) {
    throw new TypeError(`${where}: credit must be a whole number from 1 to ${MAX_STREAM_CREDIT}, got ${String(credit)}`)
  }
}
