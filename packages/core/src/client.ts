/**
 * The parent's side of the protocol: the typed `call` object, the table of calls in
 * flight, their timeouts and cancellation, and the decoding of replies.
 *
 * The per-call path is kept lean: no schema means no extra promise, a call without a
 * timeout has no timer, and the caller's stack is captured (while few calls are in flight,
 * see CALLER_STACK_LIMIT) but formatted only if the call
 * fails. Per-call timers are plain `setTimeout`s in the pending-call table rather than
 * p-timeout wrappers, because a timed-out call must also send a cancel message and free
 * its table entry, and an extra promise per call is measurable here.
 */
import { nanoid } from 'nanoid'
import { createCallObject } from './call-object.js'
import type { Channel, CloseReason } from './channel.js'
import { createCodec } from './codec.js'
import { sendFailure } from './encodable.js'
import { assertContract, checkTimeout, MAX_TIMER_MS, type AnyProcedure, type Contract } from './contract.js'
import { debug } from './debug.js'
import { errorRegistry, unmarshalThrown, withCallerStack } from './error-marshalling.js'
import { AbortError, PayloadTooLargeError, TimeoutError, TooManyPendingCallsError } from './errors.js'
import { checkLimit, DEFAULT_MAX_MESSAGE_BYTES, DEFAULT_MAX_PENDING, sizeChecker, type MessageLimitOptions } from './limits.js'
import type { EventDefinitions, EventPayload } from './event.js'
import { createEventHub, type EventSource } from './event-hub.js'
import { PROTOCOL_VERSION, readMessage, type CancelMessage, type ChunkMessage, type RequestMessage } from './protocol.js'
import type { AnyInputStreamProcedure, AnyStreamProcedure, InputStreamProcedure, StreamProcedure } from './stream.js'
import { checkCredit } from './stream.js'
import { InputPump, isChunkSource } from './input-stream.js'
import { createStreamTable, type StreamCallOptions } from './stream-client.js'
import { createNotify, type Notify } from './notifications.js'
import { validate } from './validate.js'
import { createRouter, type RouterCore } from './router.js'
import { hostContractOf, type HostHandlers } from './host.js'

/**
 * Options of one call.
 *
 * @example
 * ```ts
 * await worker.call.slow(50, { signal: AbortSignal.timeout(1_000), timeout: 200 })
 * ```
 */
export interface CallOptions {
  /** Aborting it rejects the call at once with the signal's reason and aborts the handler's `ctx.signal`. */
  signal?: AbortSignal | undefined
  /** Milliseconds before the call rejects with TimeoutError; wins over the procedure's and the worker's. `0` or `Infinity`: none. */
  timeout?: number | undefined
}

/**
 * The per-call progress option, offered when the contract declares a `progress` event:
 * `onProgress` hears the `progress` events that this call's handler emits.
 *
 * @example
 * ```ts
 * await worker.call.convert(file, { onProgress: ({ pct }) => bar.update(pct) })
 * ```
 */
export type ProgressOption<E extends EventDefinitions> = 'progress' extends keyof E
  ? { /** Called with each `progress` event that this call's handler emits. */ onProgress?: ((payload: EventPayload<E['progress']>) => void) | undefined }
  : {}

type ProcedureTypes<P> = P extends { readonly '~types'?: infer T } ? NonNullable<T> : never

/**
 * The function that calls procedure `P`: input first (optional when it may be undefined),
 * then options. A stream procedure's returns an AsyncIterable of its chunks.
 *
 * @example
 * ```ts
 * const add: ProcedureCall<typeof math.procedures.add> = worker.call.add
 * ```
 */
export type ProcedureCall<P, E extends EventDefinitions = EventDefinitions> =
  P extends InputStreamProcedure<infer K, infer O>
    ? (chunks: AsyncIterable<K> | Iterable<K>, options?: CallOptions & { credit?: number | undefined } & ProgressOption<E>) => Promise<O>
    : P extends StreamProcedure<infer I, infer K>
    ? undefined extends I
      ? (input?: I, options?: StreamCallOptions & ProgressOption<E>) => AsyncIterableIterator<K>
      : (input: I, options?: StreamCallOptions & ProgressOption<E>) => AsyncIterableIterator<K>
    : ProcedureTypes<P> extends { input: infer I; output: infer O }
      ? undefined extends I
        ? (input?: I, options?: CallOptions & ProgressOption<E>) => Promise<O>
        : (input: I, options?: CallOptions & ProgressOption<E>) => Promise<O>
      : never

/**
 * The typed client of a contract: one async function per procedure, nothing else.
 *
 * @example
 * ```ts
 * const sum: number = await worker.call.add({ a: 1, b: 2 })
 * ```
 */
export type Client<C extends Contract> = { readonly [K in keyof C['procedures']]: ProcedureCall<C['procedures'][K], C['events']> }

/**
 * Options of {@link createClient}.
 *
 * @example
 * ```ts
 * createClient(math, channel, { timeout: 1_000 } satisfies ClientOptions)
 * ```
 */
export interface ClientOptions extends MessageLimitOptions {
  /** Default timeout of every call, in milliseconds. `0` or `Infinity` (the default): none. */
  timeout?: number | undefined
  /**
   * How many calls may wait for their replies at once; a call beyond that rejects at once
   * with TooManyPendingCallsError. Default 100,000; `Infinity` turns the check off.
   */
  maxPending?: number | undefined
  /**
   * Join the caller's frames to the stack of a failed call's error (default true; recorded
   * only while fewer than 16 calls are in flight). `false` saves ~2.5-6 µs per call.
   */
  callerStacks?: boolean | undefined
}

/**
 * A client bound to a channel, with the controls its owner (a worker, a test pair) needs.
 *
 * @example
 * ```ts
 * const client: ClientCore<typeof math> = createClient(math, channel)
 * client.refuse((procedure) => new ChannelClosedError(procedure))
 * await client.drained()
 * ```
 */
export interface ClientCore<C extends Contract> extends EventSource<C> {
  readonly call: Client<C>
  /** Sends one of the contract's notifications to the other side (fire and forget). */
  readonly notify: Notify<C>
  /** How many calls are waiting for a reply, and streams not yet over. */
  readonly pending: number
  /**
   * Calls the caller gave up on (cancelled, timed out) whose handler has not settled in
   * the worker yet, by id, with when they were given up (`Date.now()`).
   */
  readonly lingering: ReadonlyMap<string, number>
  /** Refuses new calls with `reason`; calls in flight go on. */
  refuse(reason: CloseReason): void
  /** Resolves once no call is in flight. */
  drained(): Promise<void>
  /** Rejects every call in flight, and every later one, with `reason`. */
  fail(reason: CloseReason): void
}

/**
 * The caller's stack (joined to a failed call's error) is recorded while fewer than this
 * many calls are in flight on the channel. Recording it costs ~2.5 µs per call, ten times
 * the rest of the client's work: nothing next to a lone call's ~60 µs round trip, but it
 * would halve the throughput of pipelined calls, which get the child's frames and the
 * `at <forkrpc call "name" from the parent>` line without the caller's frames.
 */
const CALLER_STACK_LIMIT = 16

interface PendingCall {
  readonly procedure: string
  readonly resolve: (value: unknown) => void
  readonly reject: (reason: unknown) => void
  readonly caller: { stack?: string }
  timer: NodeJS.Timeout | undefined
  signal: AbortSignal | undefined
}

/**
 * Creates the parent side of the protocol over a channel. `fork()` and `connect()` use it;
 * use it directly only to run a contract over a channel of your own.
 *
 * @example
 * ```ts
 * const client = createClient(math, channel, { timeout: 1_000 })
 * await client.call.add({ a: 1, b: 2 })
 * ```
 */
export function createClient<C extends Contract>(contract: C, channel: Channel, options: ClientOptions & { host?: HostHandlers<C> | undefined } = {}): ClientCore<C> {
  assertContract(contract, 'createClient(contract, channel)')
  checkTimeout(options.timeout, 'timeout')
  checkLimit(options.maxPending, 'maxPending')
  checkLimit(options.maxMessageBytes, 'maxMessageBytes')
  const maxPending = options.maxPending ?? DEFAULT_MAX_PENDING
  const maxMessageBytes = options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES
  const oversize = sizeChecker(channel.serialization, maxMessageBytes)
  // Two-way calls: the procedures this side serves for the other, over the same channel.
  const hostContract = hostContractOf(contract)
  if (hostContract !== undefined && options.host === undefined) {
    // Without handlers, the child's calls to the parent would wait for ever.
    throw new TypeError(`createClient(contract, channel, { host }): the contract declares host procedures (${hostContract.names.map((n) => `"${n}"`).join(', ')}); pass their handlers as options.host`)
  }
  const hostRouter: RouterCore | undefined =
    hostContract !== undefined && options.host !== undefined ? createRouter(hostContract, options.host as never, channel, { announce: false }) : undefined
  checkCallerStacks(options.callerStacks)
  const stackLimit = options.callerStacks === false ? 0 : CALLER_STACK_LIMIT
  const registry = errorRegistry(contract.errors)
  // Replaced when a handshake ack says what the channel really carries (a child's client of
  // host procedures starts before it knows).
  let codec = createCodec(channel.serialization, registry)
  const calls = new Map<string, PendingCall>()
  const drainWaiters: Array<() => void> = []
  // One 'abort' listener per signal, however many calls share it (a listener per call
  // would trip Node's MaxListenersExceededWarning on a signal shared by a batch).
  const callsBySignal = new Map<AbortSignal, Set<string>>()
  const lingering = new Map<string, number>()
  let refusal: CloseReason | undefined
  // The channel keeps this process alive while anything waits on the other side: a call,
  // a stream, or an events() iterator whose next() is pending (a listener added with on()
  // does not: a script that is done exits).
  let held = false
  const hold = (): void => {
    const busy = calls.size + streams.size + events.waiting > 0
    if (busy !== held) {
      held = busy
      channel.keepAlive?.(busy)
    }
  }
  const events = createEventHub(contract, () => codec, () => hold())
  // The pumps of input streams in flight, by request id.
  const pumps = new Map<string, InputPump>()
  // The onProgress of each call (or stream) in flight that has one, by request id.
  const progress = new Map<string, (payload: unknown) => void>()
  const streams = createStreamTable({
    channel,
    get codec() {
      return codec
    },
    errors: registry,
    timeout: options.timeout,
    refusal: () => refusal,
    started,
    ended,
  })

  /** A call or stream started: the channel keeps the process alive while any is in flight. */
  function started(id: string, onProgress?: unknown): void {
    if (typeof onProgress === 'function') progress.set(id, onProgress as (payload: unknown) => void)
    hold()
  }

  function ended(id: string): void {
    progress.delete(id)
    hold()
    if (calls.size + streams.size === 0 && drainWaiters.length > 0) for (const wake of drainWaiters.splice(0)) wake()
  }

  // Request ids: a random prefix per client (so that ids in the debug logs of a pool's
  // workers never collide) and a counter (about 6x cheaper per call than a random id each).
  const idPrefix = nanoid(6)
  let lastId = 0

  const call = createCallObject(contract, request, () => calls.size < stackLimit, (name, definition, input, streamOptions, caller) => {
    const onProgress = checkProgress(name, (streamOptions as { onProgress?: unknown } | undefined)?.onProgress)
    return streams.open(name, definition, input, streamOptions, caller, onProgress)
  })

  function request(
    name: string,
    definition: AnyProcedure | AnyInputStreamProcedure,
    input: unknown,
    callOptions: (CallOptions & { onProgress?: unknown; credit?: unknown }) | undefined,
    caller: { stack?: string },
  ): Promise<unknown> {
    if (refusal) return Promise.reject(withCallerStack(refusal(name, false), caller))
    const signal = callOptions?.signal
    if (signal !== undefined && !(signal instanceof AbortSignal)) throw new TypeError(`call "${name}": options.signal must be an AbortSignal`)
    const onProgress = checkProgress(name, callOptions?.onProgress)
    if (signal?.aborted) return Promise.reject(signal.reason)
    let timeout = callOptions?.timeout
    if (timeout === undefined) timeout = definition.timeout ?? options.timeout
    else checkTimeout(timeout, `call "${name}"`)
    if (definition.kind === 'input-stream') {
      if (!isChunkSource(input)) throw new TypeError(`call "${name}": expected an AsyncIterable or an Iterable of chunks, got ${typeof input}`)
      const window = callOptions?.credit ?? definition.credit
      checkCredit(window, `call "${name}"`)
      return sendChunks(name, input, window, signal, timeout, caller, onProgress)
    }
    if (definition.input === undefined) return send(name, input, signal, timeout, caller, onProgress)
    // Checked here so bad input fails before anything is sent; the child checks again
    // and hands the handler the schema's parsed value. The original input is sent.
    return validate(definition.input, input, name, 'input').then(
      () => {
        if (refusal) throw withCallerStack(refusal(name, false), caller)
        if (signal?.aborted) throw signal.reason
        return send(name, input, signal, timeout, caller, onProgress)
      },
      (error: Error) => {
        throw withCallerStack(error, caller)
      },
    )
  }

  function send(
    name: string,
    input: unknown,
    signal: AbortSignal | undefined,
    timeout: number | undefined,
    caller: { stack?: string },
    onProgress: ((payload: unknown) => void) | undefined,
    fields?: { u: number },
    onSent?: (id: string) => void,
  ): Promise<unknown> {
    if (calls.size >= maxPending) throw new TooManyPendingCallsError(name, maxPending)
    const id = idPrefix + (++lastId).toString(36)
    const message = { $fr: PROTOCOL_VERSION, t: 'q', i: id, m: name } as RequestMessage
    if (fields !== undefined) message.u = fields.u
    codec.encodeInto(message, input, name, 'input')
    const bytes = oversize?.(message)
    if (bytes !== undefined) throw new PayloadTooLargeError(name, 'input', bytes, maxMessageBytes)
    return new Promise((resolve, reject) => {
      const pending: PendingCall = { procedure: name, resolve, reject, caller, timer: undefined, signal }
      calls.set(id, pending)
      started(id, onProgress)
      if (timeout !== undefined && timeout > 0 && timeout !== Infinity) armTimer(pending, id, timeout, timeout)
      if (signal !== undefined) watchSignal(signal, id)
      try {
        channel.send(message, unsendable)
      } catch (error) {
        unsendable(error, message)
        return
      }
      onSent?.(id)
    })
  }

  /** An input stream: the request, then the source's chunks as the child grants credit. */
  function sendChunks(
    name: string,
    source: AsyncIterable<unknown> | Iterable<unknown>,
    window: number,
    signal: AbortSignal | undefined,
    timeout: number | undefined,
    caller: { stack?: string },
    onProgress: ((payload: unknown) => void) | undefined,
  ): Promise<unknown> {
    const pump = new InputPump(window)
    let id: string | undefined
    const result = send(name, undefined, signal, timeout, caller, onProgress, { u: window }, (sent) => {
      id = sent
      pumps.set(sent, pump)
      pump
        .run(source, (chunks, final) => {
          const message = { $fr: PROTOCOL_VERSION, t: 'y', i: sent } as ChunkMessage
          if (final) message.f = true
          codec.encodeInto(message, chunks, name, 'chunk')
          try {
            // On a coalescing channel, a refused message is reported later: the call then fails with it.
            channel.send(message, (error) => {
              const pending = take(sent)
              if (pending === undefined) return
              cancel(sent, { r: 'a' })
              pending.reject(withCallerStack(sendFailure(error, name, 'chunk', chunks), caller))
            })
          } catch (error) {
            throw sendFailure(error, name, 'chunk', chunks)
          }
        })
        .catch((error: unknown) => {
          // The source threw, or a chunk could not be sent: the call fails with that, and the child's handler is cancelled.
          const pending = take(sent)
          if (pending === undefined) return
          cancel(sent, { r: 'a' })
          pending.reject(error instanceof Error && error.name === 'SerializationError' ? withCallerStack(error, caller) : error)
        })
    })
    const stop = (): void => {
      pump.stop()
      if (id !== undefined) pumps.delete(id)
    }
    result.then(stop, stop)
    return result
  }

  /** Rejects the call whose request the channel's serializer refused. */
  function unsendable(error: unknown, message: object): void {
    const { i: id, v: input } = message as RequestMessage
    const pending = take(id)
    pending?.reject(withCallerStack(sendFailure(error, pending.procedure, 'input', input), pending.caller))
  }

  /** setTimeout fires at once beyond 2^31-1 ms, so longer timeouts are reached in steps. */
  function armTimer(pending: PendingCall, id: string, remaining: number, timeout: number): void {
    pending.timer =
      remaining > MAX_TIMER_MS ? setTimeout(armTimer, MAX_TIMER_MS, pending, id, remaining - MAX_TIMER_MS, timeout) : setTimeout(onTimeout, remaining, id, timeout)
  }

  function take(id: string): PendingCall | undefined {
    const pending = calls.get(id)
    if (pending === undefined) return undefined
    calls.delete(id)
    if (pending.timer !== undefined) clearTimeout(pending.timer)
    if (pending.signal !== undefined) unwatchSignal(pending.signal, id)
    ended(id)
    return pending
  }

  function cancel(id: string, message: Omit<CancelMessage, '$fr' | 't' | 'i'>): void {
    lingering.set(id, Date.now())
    try {
      channel.send({ $fr: PROTOCOL_VERSION, t: 'c', i: id, ...message })
    } catch (error) {
      debug('could not send the cancellation of %s: %o', id, error)
    }
  }

  function onTimeout(id: string, timeout: number): void {
    const pending = take(id)
    if (pending === undefined) return
    debug('call %s (%s) timed out after %d ms', id, pending.procedure, timeout)
    cancel(id, { r: 't', ms: timeout })
    pending.reject(withCallerStack(new TimeoutError(pending.procedure, timeout), pending.caller))
  }

  function watchSignal(signal: AbortSignal, id: string): void {
    let ids = callsBySignal.get(signal)
    if (ids === undefined) {
      ids = new Set()
      callsBySignal.set(signal, ids)
      signal.addEventListener('abort', onSignalAbort)
    }
    ids.add(id)
  }

  function unwatchSignal(signal: AbortSignal, id: string): void {
    const ids = callsBySignal.get(signal)
    if (ids === undefined || !ids.delete(id) || ids.size > 0) return
    callsBySignal.delete(signal)
    signal.removeEventListener('abort', onSignalAbort)
  }

  function onSignalAbort(event: Event): void {
    const ids = callsBySignal.get(event.target as AbortSignal)
    if (ids !== undefined) for (const id of [...ids]) onAbort(id)
  }

  function onAbort(id: string): void {
    const pending = take(id)
    if (pending === undefined) return
    debug('call %s (%s) aborted by its signal', id, pending.procedure)
    cancel(id, { r: 'a' })
    pending.reject(pending.signal?.reason)
  }

  channel.receive((received) => {
    const message = readMessage(received)
    if (message === undefined) return
    if (message === false) {
      debug('dropped a malformed message: %o', received)
      return
    }
    if (message.t === 'd') {
      lingering.delete(message.i)
      // A call still waiting here was never cancelled by this client, yet the worker says its
      // handler was (a forged or confused cancel): it will get no other reply, so settle it.
      const orphan = take(message.i)
      if (orphan !== undefined) orphan.reject(withCallerStack(new AbortError(orphan.procedure, `Call "${orphan.procedure}" was cancelled in the worker, not by this caller`), orphan.caller))
      return
    }
    if (message.t === 'ha') {
      codec = createCodec(message.s, registry)
      return
    }
    if (message.t === 'ev') {
      events.dispatch(message, message.i !== undefined && message.n === 'progress' ? progress.get(message.i) : undefined)
      return
    }
    if (message.t === 'k') {
      pumps.get(message.i)?.grant(message.n)
      return
    }
    if (message.t === 'y') {
      if (!streams.handle(message)) debug('dropped a chunk of stream %s, which is not in flight (over, cancelled or never started)', message.i)
      return
    }
    if (message.t !== 'r' && message.t !== 'e') return
    if (streams.handle(message)) return
    const pending = take(message.i)
    if (pending === undefined) {
      // A reply that crossed the cancellation on the wire: the handler is done too.
      lingering.delete(message.i)
      debug('dropped a reply to call %s, which is not in flight (settled, cancelled or never made)', message.i)
      return
    }
    const bytes = oversize?.(message)
    if (bytes !== undefined) {
      pending.reject(withCallerStack(new PayloadTooLargeError(pending.procedure, message.t === 'r' ? 'result' : 'error', bytes, maxMessageBytes), pending.caller))
      return
    }
    let value: unknown
    try {
      value = codec.decode(message, pending.procedure, message.t === 'r' ? 'result' : 'error')
    } catch (error) {
      pending.reject(withCallerStack(error as Error, pending.caller))
      return
    }
    if (message.t === 'r') pending.resolve(value)
    else pending.reject(unmarshalThrown(value, registry, pending.caller.stack ?? '', pending.procedure))
  })

  function fail(reason: CloseReason): void {
    refusal ??= reason
    lingering.clear()
    for (const id of [...calls.keys()]) {
      const pending = take(id)
      pending?.reject(withCallerStack(reason(pending.procedure, true), pending.caller))
    }
    streams.fail(reason)
    events.close()
    hostRouter?.abortAll(new AbortError(undefined, 'The worker is gone'))
  }
  channel.onClose(fail)
  channel.keepAlive?.(false)

  return {
    call,
    get pending() {
      return calls.size + streams.size
    },
    on: events.on,
    events: events.events,
    notify: createNotify(contract, channel, () => codec, () => (refusal === undefined ? undefined : (name: string) => refusal?.(name, false) as Error)),
    lingering,
    refuse(reason) {
      refusal ??= reason
    },
    drained() {
      return calls.size + streams.size === 0 ? Promise.resolve() : new Promise((resolve) => drainWaiters.push(resolve))
    },
    fail,
  }
}

/** Throws a TypeError unless `onProgress` is undefined or a function. */
function checkProgress(name: string, onProgress: unknown): ((payload: unknown) => void) | undefined {
  if (onProgress !== undefined && typeof onProgress !== 'function') throw new TypeError(`call "${name}": options.onProgress must be a function`)
  return onProgress as ((payload: unknown) => void) | undefined
}

/**
 * Throws a TypeError unless `callerStacks` is a boolean or undefined.
 *
 * @example
 * ```ts
 * checkCallerStacks(options.callerStacks)
 * ```
 */
export function checkCallerStacks(callerStacks: unknown): void {
  if (callerStacks !== undefined && typeof callerStacks !== 'boolean') throw new TypeError(`callerStacks must be a boolean, got ${typeof callerStacks}`)
}
