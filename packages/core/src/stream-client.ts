/**
 * The parent's side of stream procedures: each stream call is an AsyncIterableIterator
 * that sends its request on the first `next()`, buffers at most its credit window of
 * chunks, grants the child more credit as the consumer takes them, and stops the child's
 * generator (a `c` message) when the consumer breaks, aborts or times out.
 */
import { nanoid } from 'nanoid'
import type { Channel, CloseReason } from './channel.js'
import type { Codec } from './codec.js'
import { checkTimeout, MAX_TIMER_MS } from './contract.js'
import { debug } from './debug.js'
import { sendFailure } from './encodable.js'
import { unmarshalThrown, withCallerStack, type ErrorRegistry } from './error-marshalling.js'
import { SerializationError, TimeoutError } from './errors.js'
import { PROTOCOL_VERSION, type ChunkMessage, type ReplyMessage, type RequestMessage } from './protocol.js'
import { checkCredit, type AnyStreamProcedure } from './stream.js'

/**
 * Options of one stream call.
 *
 * @example
 * ```ts
 * for await (const line of worker.call.lines(path, { signal, timeout: 1_000, credit: 64 })) console.log(line)
 * ```
 */
export interface StreamCallOptions {
  /** Aborting it ends the iteration with the signal's reason and stops the child's generator. */
  signal?: AbortSignal | undefined
  /**
   * The longest wait for each next chunk, in milliseconds, counted only while the consumer
   * is waiting; then the iteration fails with TimeoutError and the child's generator stops.
   * Wins over the procedure's and the worker's timeout. `0` or `Infinity`: none.
   */
  timeout?: number | undefined
  /** The credit window of this call (default: the procedure's). */
  credit?: number | undefined
}

/** What a stream table needs from the client that owns it. */
export interface StreamTableHost {
  readonly channel: Channel
  readonly codec: Codec
  readonly errors: ErrorRegistry
  /** The worker-wide default timeout. */
  readonly timeout: number | undefined
  /** Why new calls are refused, once they are. */
  refusal(): CloseReason | undefined
  /** A call or stream started / ended (for keepAlive and drained()). */
  started(id: string, onProgress: ((payload: unknown) => void) | undefined): void
  ended(id: string): void
}

/** The streams of one client, by request id. */
export interface StreamTable {
  readonly size: number
  /** A new, not yet started stream call of procedure `name`. */
  open(
    name: string,
    definition: AnyStreamProcedure,
    input: unknown,
    options: StreamCallOptions | undefined,
    caller: { stack?: string },
    onProgress: ((payload: unknown) => void) | undefined,
  ): AsyncIterableIterator<unknown>
  /** Takes a chunk or the end of a stream; false when `message.i` is no stream of this table. */
  handle(message: ChunkMessage | ReplyMessage): boolean
  /** Ends every stream, and every later one, with `reason`. */
  fail(reason: CloseReason): void
}

type Outcome = { done: true } | { done: false; error: unknown }

/**
 * Creates the stream table of a client.
 *
 * @example
 * ```ts
 * const streams = createStreamTable({ channel, codec, errors, timeout, refusal: () => refusal, started, ended })
 * ```
 */
export function createStreamTable(host: StreamTableHost): StreamTable {
  const streams = new Map<string, StreamCall>()

  class StreamCall implements AsyncIterableIterator<unknown> {
    readonly #buffer: unknown[] = []
    #id: string | undefined
    #outcome: Outcome | undefined
    #waiter: { resolve(result: IteratorResult<unknown>): void; reject(reason: unknown): void } | undefined
    #timer: NodeJS.Timeout | undefined
    #untaken = 0
    readonly #window: number
    readonly #timeout: number | undefined
    readonly #signal: AbortSignal | undefined

    constructor(
      readonly name: string,
      readonly input: unknown,
      definition: AnyStreamProcedure,
      options: StreamCallOptions | undefined,
      readonly caller: { stack?: string },
      readonly onProgress: ((payload: unknown) => void) | undefined,
    ) {
      const signal = options?.signal
      if (signal !== undefined && !(signal instanceof AbortSignal)) throw new TypeError(`stream "${name}": options.signal must be an AbortSignal`)
      if (options?.timeout !== undefined) checkTimeout(options.timeout, `stream "${name}"`)
      if (options?.credit !== undefined) checkCredit(options.credit, `stream "${name}"`)
      this.#signal = signal
      this.#window = options?.credit ?? definition.credit
      const timeout = options?.timeout ?? definition.timeout ?? host.timeout
      this.#timeout = timeout !== undefined && timeout > 0 && timeout !== Infinity ? timeout : undefined
    }

    [Symbol.asyncIterator](): this {
      return this
    }

    next(): Promise<IteratorResult<unknown>> {
      if (this.#id === undefined && this.#outcome === undefined) this.#start()
      if (this.#buffer.length > 0) return Promise.resolve({ done: false, value: this.#take() })
      if (this.#outcome !== undefined) return this.#settled()
      if (this.#waiter !== undefined) return Promise.reject(new TypeError(`stream "${this.name}": next() called again before the previous next() settled`))
      return new Promise((resolve, reject) => {
        this.#waiter = { resolve, reject }
        if (this.#timeout !== undefined) this.#timer = setTimeout(() => this.#stop({ r: 't', ms: this.#timeout }, new TimeoutError(this.name, this.#timeout as number)), Math.min(this.#timeout, MAX_TIMER_MS))
      })
    }

    /** Called by `break` (and `return` in a `for await`): stops the child's generator. */
    return(): Promise<IteratorResult<unknown>> {
      this.#buffer.length = 0
      if (this.#outcome === undefined) {
        if (this.#id !== undefined) this.#cancel({ r: 'a' })
        this.#end({ done: true })
      }
      return Promise.resolve({ done: true, value: undefined })
    }

    #start(): void {
      const refusal = host.refusal()
      if (refusal !== undefined) return this.#end({ done: false, error: withCallerStack(refusal(this.name, false), this.caller) })
      if (this.#signal?.aborted) return this.#end({ done: false, error: this.#signal.reason })
      const id = nanoid()
      const message = { $fr: PROTOCOL_VERSION, t: 'q', i: id, m: this.name, w: this.#window } as RequestMessage
      try {
        host.codec.encodeInto(message, this.input, this.name, 'input')
      } catch (error) {
        return this.#end({ done: false, error: withCallerStack(error as Error, this.caller) })
      }
      this.#id = id
      streams.set(id, this)
      host.started(id, this.onProgress)
      this.#signal?.addEventListener('abort', this.#onAbort)
      try {
        host.channel.send(message)
      } catch (error) {
        this.#end({ done: false, error: sendFailure(error, this.name, 'input', this.input) })
      }
    }

    readonly #onAbort = (): void => {
      this.#buffer.length = 0
      this.#stop({ r: 'a' }, this.#signal?.reason)
    }

    #stop(cancel: { r: 'a' | 't'; ms?: number | undefined }, error: unknown): void {
      if (this.#outcome !== undefined) return
      debug('stream %s (%s) stopped by the consumer: %s', this.#id, this.name, cancel.r === 't' ? 'timed out' : 'aborted')
      this.#cancel(cancel)
      this.#end({ done: false, error: error instanceof TimeoutError ? withCallerStack(error, this.caller) : error })
    }

    #cancel(cancel: { r: 'a' | 't'; ms?: number | undefined }): void {
      try {
        host.channel.send({ $fr: PROTOCOL_VERSION, t: 'c', i: this.#id, ...cancel })
      } catch (error) {
        debug('could not send the cancellation of stream %s: %o', this.#id, error)
      }
    }

    /** A chunk taken by the consumer: every half window, the child gets that much more credit. */
    #take(): unknown {
      const value = this.#buffer.shift()
      this.#granted()
      return value
    }

    #granted(): void {
      if (this.#outcome !== undefined) return
      this.#untaken++
      if (this.#untaken >= Math.max(1, this.#window >> 1)) {
        const n = this.#untaken
        this.#untaken = 0
        try {
          host.channel.send({ $fr: PROTOCOL_VERSION, t: 'k', i: this.#id, n })
        } catch (error) {
          debug('could not send credit for stream %s: %o', this.#id, error)
        }
      }
    }

    /** The stream is over: no more messages will be taken for it. */
    #end(outcome: Outcome): void {
      if (this.#outcome !== undefined) return
      this.#outcome = outcome
      clearTimeout(this.#timer)
      this.#signal?.removeEventListener('abort', this.#onAbort)
      if (this.#id !== undefined && streams.delete(this.#id)) host.ended(this.#id)
      const waiter = this.#waiter
      if (waiter !== undefined && this.#buffer.length === 0) {
        this.#waiter = undefined
        void this.#settled().then(waiter.resolve, waiter.reject)
      }
    }

    /** The result of next() once the buffer is empty and the stream over; an error is reported once. */
    #settled(): Promise<IteratorResult<unknown>> {
      const outcome = this.#outcome as Outcome
      if (outcome.done) return Promise.resolve({ done: true, value: undefined })
      this.#outcome = { done: true }
      return Promise.reject(outcome.error)
    }

    chunks(message: ChunkMessage): void {
      let chunks: unknown
      try {
        chunks = host.codec.decode(message, this.name, 'chunk')
        if (!Array.isArray(chunks)) throw new SerializationError(`Cannot decode the chunks of stream "${this.name}": the payload is not an array`, { procedure: this.name })
      } catch (error) {
        this.#stop({ r: 'a' }, withCallerStack(error as Error, this.caller))
        return
      }
      if (this.#buffer.length + chunks.length > this.#window) debug('stream %s (%s): the child sent more chunks than its credit allows', this.#id, this.name)
      for (const chunk of chunks) this.#buffer.push(chunk)
      const waiter = this.#waiter
      if (waiter !== undefined && this.#buffer.length > 0) {
        this.#waiter = undefined
        clearTimeout(this.#timer)
        waiter.resolve({ done: false, value: this.#take() })
      }
    }

    finish(message: ReplyMessage): void {
      if (message.t === 'r') {
        this.#end({ done: true })
        return
      }
      let error: unknown
      try {
        error = unmarshalThrown(host.codec.decode(message, this.name, 'error'), host.errors, this.caller.stack, this.name)
      } catch (decodeError) {
        error = withCallerStack(decodeError as Error, this.caller)
      }
      this.#end({ done: false, error })
    }

    fail(reason: CloseReason): void {
      this.#end({ done: false, error: withCallerStack(reason(this.name, true), this.caller) })
    }
  }

  return {
    get size() {
      return streams.size
    },
    open(name, definition, input, options, caller, onProgress) {
      return new StreamCall(name, input, definition, options, caller, onProgress)
    },
    handle(message) {
      const stream = streams.get(message.i)
      if (stream === undefined) return false
      if (message.t === 'y') stream.chunks(message)
      else stream.finish(message)
      return true
    },
    fail(reason) {
      for (const stream of [...streams.values()]) stream.fail(reason)
    },
  }
}
