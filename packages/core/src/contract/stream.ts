/**
 * Stream procedures, declared in a contract next to ordinary procedures: `stream()` (the
 * handler yields chunks, the caller iterates them) and `inputStream()` (the caller passes an
 * iterable, the handler reads it). Both carry a credit window: how many chunks may be sent
 * and not yet taken by the other side.
 */
import { checkObject } from '../base/option-checks.js'
import { MAX_STREAM_CREDIT } from '../protocol/limits.js'

export { MAX_STREAM_CREDIT }
import { checkTimeout } from '../base/timeouts.js'

/**
 * What stream and input stream procedures share at runtime.
 *
 * @example
 * ```ts
 * const { kind, credit, timeout }: StreamDeclaration<'stream'> = stream<void, number>()
 * ```
 */
export interface StreamDeclaration<TKind extends 'stream' | 'input-stream'> {
  /** Tells a stream's declaration (`'stream'`: chunks out, `'inputStream'`: chunks in) from a procedure's. */
  readonly kind: TKind
  /** Streams are declared by types only; always undefined. */
  readonly input: undefined
  /** Streams are declared by types only; always undefined. */
  readonly output: undefined
  /**
   * The default timeout in milliseconds: for a stream, the longest wait for each next chunk
   * while the consumer waits for it; for an input stream, the whole call's.
   */
  readonly timeout: number | undefined
  /** How many chunks may be sent and not yet taken by the other side. */
  readonly credit: number
  /** Streams are never retried by a pool. */
  readonly idempotent: false
}

/**
 * A stream procedure of a contract: the caller passes `TInput` and iterates `TChunk`s.
 *
 * @example
 * ```ts
 * const lines: StreamProcedure<{ path: string }, string> = stream<{ path: string }, string>()
 * ```
 */
export interface StreamProcedure<TInput, TChunk> extends StreamDeclaration<'stream'> {
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
 * An input stream procedure: the caller passes an (async) iterable of `TChunk`s, the handler
 * reads them as an AsyncIterable and returns a `TOutput`.
 *
 * @example
 * ```ts
 * const parse: InputStreamProcedure<string, number> = inputStream<string, number>()
 * ```
 */
export interface InputStreamProcedure<TChunk, TOutput> extends StreamDeclaration<'input-stream'> {
  /** Type-level only; never set at runtime. */
  readonly '~types'?: { chunk: TChunk; output: TOutput }
}

/**
 * Any input stream procedure, whatever its types.
 *
 * @example
 * ```ts
 * const uploads: Record<string, AnyInputStreamProcedure> = { parse: inputStream<string, number>() }
 * ```
 */
export type AnyInputStreamProcedure = InputStreamProcedure<unknown, unknown>

/**
 * Options of {@link stream} and {@link inputStream}.
 *
 * @example
 * ```ts
 * const ticks = stream<void, number>({ credit: 64, timeout: 5_000 } satisfies StreamOptions)
 * ```
 */
export interface StreamOptions {
  /**
   * Default timeout in milliseconds (a call's own `timeout` wins; `0` or `Infinity`: none).
   * For a stream: how long the consumer may wait for each next chunk (time the consumer
   * itself spends between chunks does not count). For an input stream: the whole call's.
   */
  timeout?: number | undefined
  /**
   * The most chunks that may be sent and not yet taken by the other side: from 1 to
   * {@link MAX_STREAM_CREDIT}, default {@link DEFAULT_STREAM_CREDIT}. It bounds memory on
   * both sides when the consumer is slow.
   */
  credit?: number | undefined
}

/**
 * The default credit window of a stream: chunks in flight before the producer waits.
 *
 * @example
 * ```ts
 * const window = options.credit ?? DEFAULT_STREAM_CREDIT
 * ```
 */
export const DEFAULT_STREAM_CREDIT = 16


/**
 * Declares a stream procedure: the handler is an async generator (or returns any
 * AsyncIterable), and `worker.call.name(input)` is an AsyncIterable of its chunks.
 *
 * @remarks
 * Flow control: the worker never has more than `credit` chunks sent and not yet taken by the
 * consumer. `break`, an AbortSignal or a timeout stops the worker's generator (its `finally`
 * runs).
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
  return declareStream('stream', options)
}

/**
 * Declares an input stream procedure: `worker.call.name(iterable)` sends the iterable's
 * chunks to the worker with the same credit-based flow control as a stream (the caller
 * pulls from the iterable only while the handler keeps up), and resolves with the
 * handler's result. `timeout` is the whole call's, as for a procedure.
 *
 * @example
 * ```ts
 * export const parser = defineContract({ countWords: inputStream<string, number>({ credit: 64 }) })
 * // worker: async countWords(lines) { let n = 0; for await (const line of lines) n += line.split(' ').length; return n }
 * // parent: await worker.call.countWords(readLines(path))
 * ```
 */
export function inputStream<TChunk = unknown, TOutput = void>(options: StreamOptions = {}): InputStreamProcedure<NoInfer<TChunk>, NoInfer<TOutput>> {
  return declareStream('input-stream', options)
}

function declareStream<TKind extends 'stream' | 'input-stream'>(kind: TKind, options: StreamOptions): StreamDeclaration<TKind> {
  const where = kind === 'stream' ? 'stream' : 'inputStream'
  checkObject(options, `${where}(options)`)
  checkTimeout(options.timeout, 'timeout', `${where}()`)
  const credit = options.credit ?? DEFAULT_STREAM_CREDIT
  checkCredit(credit, `${where}({ credit })`)
  return Object.freeze({ kind, input: undefined, output: undefined, timeout: options.timeout, credit, idempotent: false })
}

/** Throws a TypeError unless `credit` is a whole number from 1 to {@link MAX_STREAM_CREDIT}. */
export function checkCredit(credit: unknown, where: string): asserts credit is number {
  if (typeof credit !== 'number' || !Number.isInteger(credit) || credit < 1 || credit > MAX_STREAM_CREDIT) {
    throw new TypeError(`${where}: credit must be a whole number from 1 to ${MAX_STREAM_CREDIT}, got ${String(credit)}`)
  }
}
