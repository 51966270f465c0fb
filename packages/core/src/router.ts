/**
 * The child's side of the protocol: looks up the handler of each request, decodes and
 * validates its input, runs it with a context whose `signal` aborts on cancel, timeout
 * or shutdown, validates and encodes its result, and marshals whatever it throws.
 */
import type { Channel } from './channel.js'
import { createCodec, type Codec } from './codec.js'
import { sendFailure } from './encodable.js'
import { assertContract, type AnyProcedure, type Contract } from './contract.js'
import { debug } from './debug.js'
import { errorRegistry, marshalThrown } from './error-marshalling.js'
import { AbortError, ChannelClosedError, PayloadTooLargeError, SerializationError, TimeoutError, UnknownProcedureError } from './errors.js'
import { checkLimit, DEFAULT_MAX_MESSAGE_BYTES, sizeChecker, type MessageLimitOptions } from './limits.js'
import type { EventDefinitions, EventPayload, PayloadArgument } from './event.js'
import { createClient } from './client.js'
import { hostContractOf, type HostClient } from './host.js'
import type { HostProcedures } from './contract.js'
import { PROTOCOL_VERSION, readMessage, type ChunkMessage, type EventMessage, type MemoryLimits, type ReplyMessage, type RequestMessage } from './protocol.js'
import type { AnyInputStreamProcedure, AnyStreamProcedure, InputStreamProcedure, StreamProcedure } from './stream.js'
import { InputChunks } from './input-stream.js'
import { StreamProducer } from './stream-producer.js'
import { deliverNotification } from './notifications.js'
import { validate } from './validate.js'

/**
 * What a handler gets besides its input.
 *
 * @example
 * ```ts
 * serve(contract, {
 *   async slow(ms, { signal }) {
 *     await setTimeout(ms, undefined, { signal }) // rejects when the caller cancels or times out
 *     return 'done'
 *   },
 * })
 * ```
 */
export interface HandlerContext<E extends EventDefinitions = EventDefinitions, H extends HostProcedures = HostProcedures> {
  /**
   * Aborts when the caller cancels the call (reason: AbortError), when the call times out
   * (reason: TimeoutError), or when the worker shuts down (reason: AbortError).
   */
  readonly signal: AbortSignal
  /** The name of the procedure being called. */
  readonly procedure: string
  /** The call's request id (the same as in debug logs). */
  readonly id: string
  /**
   * Sends event `name` of the contract to the parent (fire and forget): its `worker.on`
   * listeners and `worker.events` iterators hear it, and for a `progress` event, this
   * call's `onProgress`. Throws a TypeError for an event the contract does not declare and
   * a SerializationError for a payload that cannot be sent.
   */
  emit<K extends keyof E & string>(name: K, ...payload: PayloadArgument<EventPayload<E[K]>>): void
  /**
   * Calls the procedures the parent serves for this worker (the contract's `host`), with the
   * same timeouts, cancellation and error marshalling as the parent's calls. Pass
   * `{ signal: ctx.signal }` to cancel them with this call.
   */
  readonly host: HostClient<H>
}

type ProcedureTypes<P> = P extends { readonly '~types'?: infer T } ? NonNullable<T> : never

/**
 * The handler of procedure `P`: takes the (parsed) input and the context, returns the
 * output or a promise of it. A stream procedure's handler returns an AsyncIterable of its
 * chunks (an `async function*`).
 *
 * @example
 * ```ts
 * const add: Handler<typeof math.procedures.add> = ({ a, b }) => a + b
 * const ticks: Handler<typeof clock.procedures.ticks> = async function* (n) { for (let i = 0; i < n; i++) yield i }
 * ```
 */
export type Handler<P, E extends EventDefinitions = EventDefinitions, H extends HostProcedures = HostProcedures> =
  P extends InputStreamProcedure<infer K, infer O>
    ? (chunks: AsyncIterable<K>, ctx: HandlerContext<E, H>) => O | PromiseLike<O>
    : P extends StreamProcedure<infer I, infer K>
    ? (input: I, ctx: HandlerContext<E, H>) => AsyncIterable<K>
    : ProcedureTypes<P> extends { handlerInput: infer I; handlerOutput: infer O }
      ? (input: I, ctx: HandlerContext<E, H>) => O | PromiseLike<O>
      : never

/**
 * One handler per procedure of the contract, no more, no fewer.
 *
 * @example
 * ```ts
 * const handlers: Handlers<typeof math> = { add: ({ a, b }) => a + b, slow: async (ms) => 'ok' }
 * ```
 */
export type Handlers<C extends Contract> = { [K in keyof C['procedures']]: Handler<C['procedures'][K], C['events'], C['host']> }

/**
 * A router bound to a channel, with the controls its owner (serve, a test pair) needs.
 *
 * @example
 * ```ts
 * const router: RouterCore = createRouter(math, handlers, channel)
 * router.abortAll(new AbortError(undefined, 'shutting down'))
 * await router.drained()
 * ```
 */
export interface RouterCore {
  /** How many handlers are running. */
  readonly inFlight: number
  /**
   * Aborts the signal of every running handler with `reason`. Their outcomes are still
   * sent: the callers are waiting, and a handler that stops on the signal rejects with it.
   */
  abortAll(reason: Error | ((procedure: string) => Error)): void
  /** Resolves once no handler is running. */
  drained(): Promise<void>
  /** Refuses every later request with ChannelClosedError instead of running it; `why` starts its message ("The worker is shutting down"). */
  refuse(why: string): void
}

/**
 * Options of {@link createRouter}.
 *
 * @example
 * ```ts
 * createRouter(math, handlers, channel, { onShutdownRequest: () => shutDown('the parent asked') })
 * ```
 */
export interface RouterOptions extends MessageLimitOptions {
  /** Called when the parent asks the worker to shut down (the `s` message). */
  onShutdownRequest?: () => void
  /** Send the ready message (`h`) now. Default true; false for the parent's router of host procedures. */
  announce?: boolean
  /** The handlers of the contract's notifications (from `serve()`'s options). */
  notifications?: Readonly<Record<string, unknown>> | undefined
}

class CallContext implements HandlerContext {
  #controller: AbortController | undefined
  #reason: Error | undefined
  /** Set while a stream handler's chunks are being sent. */
  producer: StreamProducer | undefined
  /** Set for an input stream: the chunks the parent sends. */
  input: InputChunks | undefined

  constructor(
    readonly id: string,
    readonly procedure: string,
    readonly emitter: (name: string, payload: unknown, id: string) => void,
    readonly host: HostClient<HostProcedures>,
  ) {}

  emit(name: string, payload: unknown): void {
    this.emitter(name, payload, this.id)
  }

  /** Created on first use: most handlers never look at it. */
  get signal(): AbortSignal {
    if (this.#controller === undefined) {
      this.#controller = new AbortController()
      if (this.#reason !== undefined) this.#controller.abort(this.#reason)
    }
    return this.#controller.signal
  }

  /** The caller gave up on this call (cancel or timeout): its outcome is not sent. */
  cancelled = false

  cancel(reason: Error): void {
    this.cancelled = true
    this.abort(reason)
  }

  abort(reason: Error): void {
    if (this.#reason !== undefined) return
    this.#reason = reason
    this.#controller?.abort(reason)
  }
}

/**
 * Runs a contract's handlers over a channel and announces readiness on it. `serve()`
 * uses it; use it directly only to serve a contract over a channel of your own.
 *
 * @example
 * ```ts
 * const router = createRouter(math, { add: ({ a, b }) => a + b }, channel)
 * ```
 */
export function createRouter<C extends Contract>(contract: C, handlers: Handlers<C>, channel: Channel, options: RouterOptions = {}): RouterCore {
  checkHandlers(contract, handlers)
  checkLimit(options.maxMessageBytes, 'maxMessageBytes')
  const maxMessageBytes = options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES
  let oversize = sizeChecker(channel.serialization, maxMessageBytes)
  for (const name of Object.keys(options.notifications ?? {})) {
    if (!Object.hasOwn(contract.notifications, name)) throw new TypeError(`serve({ notifications }): "${name}" is not a notification of the contract`)
  }
  // Two-way calls: the procedures the parent serves are called through a client of our own.
  const hostContract = hostContractOf(contract)
  const host = (hostContract === undefined ? NO_HOST : createClient(hostContract, channel).call) as HostClient<HostProcedures>
  const table = handlers as unknown as Record<string, (input: unknown, ctx: HandlerContext) => unknown>
  const errors = errorRegistry(contract.errors)
  let codec: Codec = createCodec(channel.serialization, errors)
  const active = new Map<string, CallContext>()
  const drainWaiters: Array<() => void> = []
  let refusal: string | undefined
  let memoryLimits: MemoryLimits | undefined

  const announce = (): void => channel.send({ $fr: PROTOCOL_VERSION, t: 'h', n: [...contract.names] })

  function onRequest(message: RequestMessage): void {
    const { i: id, m: name } = message
    if (active.has(id)) {
      debug('dropped a second request with id %s, already running', id)
      return
    }
    const bytes = oversize?.(message)
    if (bytes !== undefined) {
      reply('e', id, name, new PayloadTooLargeError(name, 'input', bytes, maxMessageBytes))
      return
    }
    const definition = Object.hasOwn(contract.procedures, name) ? (contract.procedures[name] as AnyProcedure | AnyStreamProcedure | AnyInputStreamProcedure) : undefined
    // Only the contract's own names are looked up, so `__proto__`, `constructor` or
    // `toString` can never reach a handler (or anything else).
    const handler = definition !== undefined ? table[name] : undefined
    if (definition === undefined || typeof handler !== 'function') {
      reply('e', id, name, new UnknownProcedureError(name))
      return
    }
    if (refusal !== undefined) {
      reply('e', id, name, new ChannelClosedError(name, `${refusal}; call "${name}" was not run`))
      return
    }
    const context = new CallContext(id, name, emit, host)
    active.set(id, context)
    if (definition.kind === 'stream') context.producer = new StreamProducer(message.w ?? definition.credit, context.signal)
    if (definition.kind === 'input-stream') {
      const chunks = new InputChunks(message.u ?? definition.credit, context.signal, (n) => channel.send({ $fr: PROTOCOL_VERSION, t: 'k', i: id, n }))
      context.input = chunks
      run(context, handler, definition, chunks)
      return
    }
    let input: unknown
    try {
      input = codec.decode(message, name, 'input')
    } catch (error) {
      finish(context, 'e', error)
      return
    }
    if (definition.input === undefined) run(context, handler, definition, input)
    else
      validate(definition.input, input, name, 'input').then(
        (parsed) => run(context, handler, definition, parsed),
        (error: unknown) => finish(context, 'e', error),
      )
  }

  function run(
    context: CallContext,
    handler: (input: unknown, ctx: HandlerContext) => unknown,
    definition: AnyProcedure | AnyStreamProcedure | AnyInputStreamProcedure,
    input: unknown,
  ): void {
    let result: unknown
    try {
      result = handler(input, context)
    } catch (error) {
      finish(context, 'e', error)
      return
    }
    if (context.producer !== undefined) {
      if (typeof (result as Partial<AsyncIterable<unknown>> | null)?.[Symbol.asyncIterator] !== 'function') {
        finish(context, 'e', new TypeError(`The handler of stream "${context.procedure}" must return an AsyncIterable (write it as an async function*), got ${typeof result}`))
        return
      }
      context.producer.run(result as AsyncIterable<unknown>, (chunks) => sendChunks(context, chunks)).then(
        // Stopped by a shutdown (not by the caller): the stream did not end, it was cut short.
        () => (context.signal.aborted && !context.cancelled ? finish(context, 'e', context.signal.reason) : finish(context, 'r', undefined)),
        (error: unknown) => finish(context, 'e', error),
      )
      return
    }
    const output = definition.output
    if (output !== undefined) {
      Promise.resolve(result)
        .then((value) => validate(output, value, context.procedure, 'output'))
        .then(
          (value) => finish(context, 'r', value),
          (error: unknown) => finish(context, 'e', error),
        )
    } else if (typeof (result as PromiseLike<unknown> | null)?.then === 'function') {
      Promise.resolve(result).then(
        (value) => finish(context, 'r', value),
        (error: unknown) => finish(context, 'e', error),
      )
    } else {
      finish(context, 'r', result)
    }
  }

  function finish(context: CallContext, kind: 'r' | 'e', value: unknown): void {
    active.delete(context.id)
    if (active.size === 0 && drainWaiters.length > 0) for (const wake of drainWaiters.splice(0)) wake()
    if (memoryLimits !== undefined) checkMemory(memoryLimits)
    if (context.cancelled) {
      // The caller has its answer already; it only needs to know the handler's slot is free.
      debug('call %s (%s) settled after it was cancelled', context.id, context.procedure)
      channel.send({ $fr: PROTOCOL_VERSION, t: 'd', i: context.id })
      return
    }
    reply(kind, context.id, context.procedure, value)
  }

  /** Sends a batch of chunks; if it cannot be sent, the chunks before the bad one still go, one by one. */
  function sendChunks(context: CallContext, chunks: unknown[]): void {
    try {
      sendChunkMessage(context, chunks)
    } catch (error) {
      if (chunks.length === 1) throw error
      for (const chunk of chunks) sendChunkMessage(context, [chunk])
      throw error
    }
  }

  function sendChunkMessage(context: CallContext, chunks: unknown[]): void {
    const message = { $fr: PROTOCOL_VERSION, t: 'y', i: context.id } as ChunkMessage
    codec.encodeInto(message, chunks, context.procedure, 'chunk')
    try {
      // On a coalescing channel, a refused message is reported later: the stream then ends with the error.
      channel.send(message, (error) => context.abort(sendFailure(error, context.procedure, 'chunk', chunks)))
    } catch (error) {
      throw sendFailure(error, context.procedure, 'chunk', chunks)
    }
  }

  function emit(name: string, payload: unknown, id: string | undefined): void {
    if (typeof name !== 'string' || !Object.hasOwn(contract.events, name)) {
      throw new TypeError(`ctx.emit(name, payload): "${String(name)}" is not an event of the contract`)
    }
    const message = { $fr: PROTOCOL_VERSION, t: 'ev', n: name } as EventMessage
    if (id !== undefined) {
      message.i = id
      active.get(id)?.producer?.flush() // the stream's chunks yielded before this event go first
    }
    codec.encodeInto(message, payload, undefined, `payload of event "${name}"`)
    try {
      channel.send(message)
    } catch (error) {
      throw sendFailure(error, undefined, `payload of event "${name}"`, payload)
    }
  }

  /** Tells the parent (once) that this worker is over a limit, so that a pool recycles it. */
  function checkMemory(limits: MemoryLimits): void {
    const { heapUsed, rss } = process.memoryUsage()
    if ((limits.h !== undefined && heapUsed > limits.h) || (limits.r !== undefined && rss > limits.r)) {
      debug('over the memory limit: heap used %d, rss %d', heapUsed, rss)
      memoryLimits = undefined
      channel.send({ $fr: PROTOCOL_VERSION, t: 'o', h: heapUsed, r: rss })
    }
  }

  function reply(kind: 'r' | 'e', id: string, procedure: string, value: unknown): void {
    let message = { $fr: PROTOCOL_VERSION, t: kind, i: id } as ReplyMessage
    try {
      codec.encodeInto(message, kind === 'r' ? value : marshalThrown(value, errors), procedure, kind === 'r' ? 'result' : 'error')
    } catch (error) {
      message = { $fr: PROTOCOL_VERSION, t: 'e', i: id }
      codec.encodeInto(message, marshalThrown(error, errors), procedure, 'error')
    }
    const bytes = oversize?.(message)
    if (bytes !== undefined) {
      message = { $fr: PROTOCOL_VERSION, t: 'e', i: id }
      codec.encodeInto(message, marshalThrown(new PayloadTooLargeError(procedure, kind === 'r' ? 'result' : 'error', bytes, maxMessageBytes), errors), procedure, 'error')
    }
    // The channel's own serializer may refuse it (structured clone on `advanced`).
    const unsendable = (error: unknown): void => {
      const fallback = { $fr: PROTOCOL_VERSION, t: 'e', i: id } as ReplyMessage
      codec.encodeInto(fallback, marshalThrown(sendFailure(error, procedure, kind === 'r' ? 'result' : 'error', value), errors), procedure, 'error')
      channel.send(fallback)
    }
    try {
      channel.send(message, unsendable)
    } catch (error) {
      unsendable(error)
    }
  }

  channel.receive((received) => {
    const message = readMessage(received)
    if (message === undefined) return
    if (message === false) {
      debug('dropped a malformed message: %o', received)
      return
    }
    switch (message.t) {
      case 'q':
        onRequest(message)
        return
      case 'c': {
        const context = active.get(message.i)
        if (context === undefined) {
          debug('dropped the cancellation of call %s, which is not running', message.i)
          return
        }
        context.cancel(message.r === 't' ? new TimeoutError(context.procedure, typeof message.ms === 'number' ? message.ms : 0) : new AbortError(context.procedure))
        return
      }
      case 'k':
        active.get(message.i)?.producer?.grant(message.n)
        return
      case 'y': {
        const context = active.get(message.i)
        const input = context?.input
        if (context === undefined || input === undefined) {
          debug('dropped chunks for call %s, which is not an input stream running', message.i)
          return
        }
        try {
          const chunks = codec.decode(message, context.procedure, 'chunk')
          if (!Array.isArray(chunks)) throw new SerializationError(`Cannot decode the chunks of "${context.procedure}": the payload is not an array`, { procedure: context.procedure })
          input.push(chunks, message.f === true)
        } catch (error) {
          // The handler's reading fails with it (through its signal) rather than waiting for ever.
          context.abort(error as Error)
        }
        return
      }
      case 'nt':
        deliverNotification(contract, options.notifications, message, codec)
        return
      case 'hq':
        announce()
        return
      case 'ha':
        codec = createCodec(message.s, errors)
        oversize = sizeChecker(message.s, maxMessageBytes)
        memoryLimits = message.l
        return
      case 's':
        debug('the parent asked this worker to shut down')
        options.onShutdownRequest?.()
        return
      default:
        debug('dropped a %s message, which is not for this side', message.t)
    }
  })

  if (options.announce !== false) announce()

  return {
    get inFlight() {
      return active.size
    },
    abortAll(reason) {
      for (const context of active.values()) context.abort(typeof reason === 'function' ? reason(context.procedure) : reason)
    },
    drained() {
      return active.size === 0 ? Promise.resolve() : new Promise((resolve) => drainWaiters.push(resolve))
    },
    refuse(why) {
      refusal ??= why
    },
  }
}

const NO_HOST = Object.freeze(Object.create(null) as object)

/** For JavaScript callers, whom the types do not protect: every procedure needs a handler, and only those. */
function checkHandlers(contract: Contract, handlers: unknown): void {
  assertContract(contract, 'serve(contract, handlers)')
  if (typeof handlers !== 'object' || handlers === null) throw new TypeError('serve(contract, handlers): handlers must be an object')
  const record = handlers as Record<string, unknown>
  const missing = contract.names.filter((name) => typeof record[name] !== 'function')
  const unknown = Object.keys(record).filter((name) => !contract.names.includes(name))
  if (missing.length > 0 || unknown.length > 0) {
    const parts = []
    if (missing.length > 0) parts.push(`missing a handler for ${missing.map((n) => `"${n}"`).join(', ')}`)
    if (unknown.length > 0) parts.push(`handlers for procedures not in the contract: ${unknown.map((n) => `"${n}"`).join(', ')}`)
    throw new TypeError(`serve(contract, handlers): ${parts.join('; ')}`)
  }
}
