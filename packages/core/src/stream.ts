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
export interface StreamProcedure<TInput, TChunk> extends StreamDeclaration<'stream'> {
  /** Type-level only; never set at runtime. */
  readonly '~types'?: { input: TInput; chunk: TChunk }
}

/**
 * What stream and input stream procedures share at runtime.
 *
 * @example
 * ```ts
 * const { kind, credit, timeout }: StreamDeclaration<'stream'> = stream<void, number>()
 * ```
 */
export interface StreamDeclaration<TKind extends 'stream' | 'input-stream'> {
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
  return declareStream('stream', options)
}

function declareStream<TKind extends 'stream' | 'input-stream'>(kind: TKind, options: StreamOptions): StreamDeclaration<TKind> {
  const where = kind === 'stream' ? 'stream' : 'inputStream'
  if (typeof options !== 'object' || options === null) throw new TypeError(`${where}(options): options must be an object`)
  checkTimeout(options.timeout, `${where}({ timeout })`)
  const credit = options.credit ?? DEFAULT_STREAM_CREDIT
  checkCredit(credit, `${where}({ credit })`)
  return Object.freeze({ kind, input: undefined, output: undefined, timeout: options.timeout, credit })
}

/** Throws a TypeError unless `credit` is a whole number from 1 to 65,536. */
export function checkCredit(credit: unknown, where: string): asserts credit is number {
  if (typeof credit !== 'number' || !Number.isInteger(credit) || credit < 1 || credit > MAX_STREAM_CREDIT) {
    throw new TypeError(`${where}: credit must be a whole number from 1 to ${MAX_STREAM_CREDIT}, got ${String(credit)}`)
  }
}

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
 * Declares an input stream procedure: `worker.call.name(iterable)` sends the iterable's
 * chunks to the child with the same credit-based flow control as a stream (the parent
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
