/**
 * The handler's side of a peer: for each request it looks up the handler, decodes and
 * validates the input, runs the handler with its context, and sends back the result (or the
 * stream's chunks, as credit allows) or the marshalled error. It also takes the caller's
 * cancellations, credit and input chunks.
 */
import { debug } from '../base/debug.js'
import { sendFailure } from '../codec/encodable.js'
import { Drained } from '../base/drained.js'
import { MAX_TIMER_MS } from '../base/timeouts.js'
import { cancelledByCaller, ProtocolError, timeoutError, tooManyPending, unknownProcedure } from '../errors/call-errors.js'
import { ChannelClosedError } from '../errors/worker-errors.js'
import type { AnyDeclaration, Contract } from '../contract/define-contract.js'
import type { HandlerInterceptor } from '../contract/interceptor-types.js'
import { validate } from '../contract/validate.js'
import { MessageType, PROTOCOL_VERSION, type CancelMessage, type ChunkMessage, type CreditMessage, type ReplyMessage, type RequestMessage } from '../protocol/messages.js'
import { ChunkProducer } from './chunk-producer.js'
import { HandlerGate } from './handler-gate.js'
import { InputChunks } from './input-chunks.js'
import { interceptHandler } from './interceptors.js'
import type { Link } from './link.js'
import { RunningCall, type RunningCallOwner } from './running-call.js'

/** A handler as the handler side calls it. */
export type AnyHandler = (input: unknown, ctx: RunningCall) => unknown

/** What a handler side is built from. */
export interface HandlerSettings {
  readonly link: Link
  /** The contract this side serves; undefined when it serves nothing (every request is unknown). */
  readonly contract: Contract | undefined
  readonly handlers: Readonly<Record<string, unknown>>
  readonly maxPending: number
  readonly owner: RunningCallOwner
  /** Called after each call settles (a worker checks its memory limits then). */
  readonly settled?: (() => void) | undefined
  /** Around every handler, when there are any. */
  readonly interceptors?: readonly HandlerInterceptor[] | undefined
}

/** Runs the handlers of the calls the other side makes. */
export class HandlerSide {
  readonly #link: Link
  readonly #contract: Contract | undefined
  readonly #handlers: Readonly<Record<string, unknown>>
  readonly #maxPending: number
  readonly #owner: RunningCallOwner
  readonly #settled: (() => void) | undefined
  readonly #interceptors: readonly HandlerInterceptor[] | undefined
  readonly #running = new Map<string, RunningCall>()
  readonly #gate = new HandlerGate()
  /** Whether calls may wait in a line (a concurrency limit). */
  #lined = false
  /** A handler kept the event loop for `LINE_BREAK_MS` or more in this turn (cleared once the turn's work is done). */
  #blocked = false
  readonly #drained = new Drained()
  #refusal: string | undefined

  constructor(settings: HandlerSettings) {
    this.#link = settings.link
    this.#contract = settings.contract
    this.#handlers = settings.handlers
    this.#maxPending = settings.maxPending
    this.#owner = settings.owner
    this.#settled = settings.settled
    this.#interceptors = settings.interceptors
  }

  /** How many calls are running. */
  get size(): number {
    return this.#running.size
  }

  /** The running call `id`, if any. */
  get(id: string): RunningCall | undefined {
    return this.#running.get(id)
  }

  /**
   * At most `limit` handlers run at once from now on; later requests wait, in order (a pool's
   * `concurrency`, sent to its workers in the ready ack).
   */
  limitConcurrency(limit: number): void {
    this.#gate.limit(limit)
    this.#lined = true
  }

  /** Refuses later requests with ChannelClosedError; `why` starts its message ("The worker is shutting down"). */
  refuse(why: string): void {
    this.#refusal ??= why
  }

  /**
   * Aborts the signal of every running call with `reason`. Their outcomes are still sent:
   * the callers are waiting, and a handler that stops on its signal rejects with it.
   */
  abortAll(reason: Error | ((procedure: string) => Error)): void {
    for (const call of [...this.#running.values()]) {
      call.abort(typeof reason === 'function' ? reason(call.procedure) : reason)
      this.#leaveLine(call)
    }
  }

  /** A handler that began at `began` returned (or threw): if it kept the event loop for long, the next starts wait for the loop to turn. */
  #ran(began: number): void {
    if (!this.#lined || this.#blocked || performance.now() - began < LINE_BREAK_MS) return
    this.#blocked = true
    queueMicrotask(() => (this.#blocked = false))
  }

  /** A call aborted before its handler started: it leaves the line, failed with its reason. */
  #leaveLine(call: RunningCall): void {
    if (this.#gate.withdraw(call)) this.#finish(call, MessageType.Failure, call.signal.reason)
  }

  /** Resolves once no call is running. */
  drained(): Promise<void> {
    return this.#drained.wait(this.#running.size === 0)
  }

  request(message: RequestMessage): void {
    const { i: id, m: name } = message
    if (this.#running.has(id)) return debug('dropped a second request with id %s, already running', id)
    // Only the contract's own names are looked up, so `__proto__`, `constructor` or
    // `toString` can never reach a handler (or anything else).
    const contract = this.#contract
    const declared = contract !== undefined && Object.hasOwn(contract.procedures, name) ? (contract.procedures[name] as AnyDeclaration) : undefined
    const handler = declared === undefined ? undefined : this.#handlers[name]
    if (declared === undefined || typeof handler !== 'function') return this.#reply(MessageType.Failure, id, name, unknownProcedure(name))
    if (this.#refusal !== undefined) return this.#reply(MessageType.Failure, id, name, new ChannelClosedError(`${this.#refusal}; call "${name}" was not run`, { procedure: name }))
    if (this.#running.size >= this.#maxPending) return this.#reply(MessageType.Failure, id, name, tooManyPending(name, this.#maxPending, 'worker'))
    const call = new RunningCall(this.#owner, id, name)
    this.#running.set(id, call)
    if (message.dl !== undefined) armDeadline(call, message.dl, () => this.#leaveLine(call))
    if (message.md !== undefined) call.metadata = Object.freeze({ ...message.md })
    if (message.sn === true) call.announceStart = true
    if (declared.kind === 'input-stream') {
      const link = this.#link
      call.input = new InputChunks(name, message.u ?? declared.credit, call.signal, (g) => link.send({ $fr: PROTOCOL_VERSION, t: MessageType.InputCredit, i: id, g }))
      return this.#run(call, handler as AnyHandler, declared, call.input)
    }
    let input: unknown
    try {
      input = this.#link.receive(message, name, 'input')
    } catch (error) {
      return this.#finish(call, MessageType.Failure, error)
    }
    if (declared.kind === 'stream') call.producer = new ChunkProducer(message.w ?? declared.credit, call.signal, `The stream of "${name}"`)
    if (declared.input === undefined) return this.#run(call, handler as AnyHandler, declared, input)
    validate(declared.input, input, name, 'input').then(
      (parsed) => this.#run(call, handler as AnyHandler, declared, parsed),
      (error: unknown) => this.#finish(call, MessageType.Failure, error),
    )
  }

  #run(call: RunningCall, handler: AnyHandler, declared: AnyDeclaration, input: unknown): void {
    // No closure for a call that starts at once (every call, without a concurrency limit).
    if (this.#gate.admit(call) || this.#gate.enter(call, () => this.#slotCame(call, handler, declared, input))) this.#slotCame(call, handler, declared, input)
  }

  /**
   * A call gets a slot: at once, or after waiting in the line. It starts at once, unless a
   * handler has just kept the event loop for `LINE_BREAK_MS` or more (a synchronous,
   * CPU-bound one: `#blocked`): then the replies queued meanwhile have not left (a batch goes
   * at the end of the turn) and what arrived has not been read (a cancel of this very call,
   * requests whose deadlines count from when they are read). Starting at once would keep
   * them waiting for this handler too, and the next; so it starts once the event loop has
   * turned, which writes and reads them first.
   */
  #slotCame(call: RunningCall, handler: AnyHandler, declared: AnyDeclaration, input: unknown): void {
    if (!this.#blocked) return this.#startChecked(call, handler, declared, input, false)
    setImmediate(() => this.#startChecked(call, handler, declared, input, true))
  }

  /**
   * A call that waited starts, unless it was cancelled meanwhile, or its deadline passed (a
   * synchronous handler before it may have kept its deadline timer from firing): it fails
   * then, unrun (TimeoutError for the deadline: it could not answer in time anyway).
   */
  #startChecked(call: RunningCall, handler: AnyHandler, declared: AnyDeclaration, input: unknown, afterTurn: boolean): void {
    if (!call.aborted && call.deadline !== undefined && Date.now() >= call.deadline) call.abort(timeoutError(call.procedure, call.timeLeft ?? 0))
    if (call.aborted) return this.#finish(call, MessageType.Failure, call.signal.reason)
    this.#start(call, handler, declared, input, afterTurn)
  }

  /** Runs the handler; `mayBlock`: the one before it blocked the event loop, so this one's start notice is written at once, before it may block too. */
  #start(call: RunningCall, handler: AnyHandler, declared: AnyDeclaration, input: unknown, mayBlock: boolean): void {
    // A pool's call that waited for a slot: its wait ends now.
    if (call.announceStart) {
      this.#link.send({ $fr: PROTOCOL_VERSION, t: MessageType.Started, i: call.id })
      if (mayBlock) this.#link.channel.flush?.()
    }
    const began = this.#lined ? performance.now() : 0
    let result: unknown
    try {
      const chain = this.#interceptors
      result =
        chain === undefined ? handler(input, call) : interceptHandler(chain, { procedure: call.procedure, kind: declared.kind, input, ctx: call }, (next) => handler(next, call))
    } catch (error) {
      this.#ran(began)
      return this.#finish(call, MessageType.Failure, error)
    }
    this.#ran(began)
    if (call.producer !== undefined) return this.#produce(call, call.producer, result)
    const output = declared.output
    if (output !== undefined) {
      Promise.resolve(result)
        .then((value) => validate(output, value, call.procedure, 'output'))
        .then(
          (value) => this.#finish(call, MessageType.Result, value),
          (error: unknown) => this.#finish(call, MessageType.Failure, error),
        )
    } else if (typeof (result as PromiseLike<unknown> | null)?.then === 'function') {
      Promise.resolve(result).then(
        (value) => this.#finish(call, MessageType.Result, value),
        (error: unknown) => this.#finish(call, MessageType.Failure, error),
      )
    } else {
      this.#finish(call, MessageType.Result, result)
    }
  }

  /** A stream: sends the handler's chunks as credit allows, then ends it. */
  #produce(call: RunningCall, producer: ChunkProducer, result: unknown): void {
    const isStream = typeof (result as Partial<AsyncIterable<unknown>> | null)?.[Symbol.asyncIterator] === 'function'
    if (!isStream && typeof (result as PromiseLike<unknown> | null)?.then === 'function') {
      // A promise of the stream (an `async` handler interceptor): produce once it is known.
      Promise.resolve(result).then(
        (stream) => this.#produce(call, producer, stream),
        (error: unknown) => this.#finish(call, MessageType.Failure, error),
      )
      return
    }
    if (!isStream) {
      const error = new TypeError(`The handler of stream "${call.procedure}" must return an AsyncIterable (write it as an async function*) or a promise of one, got ${typeof result}`)
      return this.#finish(call, MessageType.Failure, error)
    }
    producer.run(result as AsyncIterable<unknown>, (chunks) => this.#sendChunks(call, chunks)).then(
      // Stopped by a shutdown or a failed send (not by the caller): the stream was cut short.
      () => (call.aborted && !call.cancelled ? this.#finish(call, MessageType.Failure, call.signal.reason) : this.#finish(call, MessageType.Result, undefined)),
      (error: unknown) => this.#finish(call, MessageType.Failure, error),
    )
  }

  /** Sends chunks; a batch too large as a whole goes chunk by chunk, a chunk too large by itself throws. */
  #sendChunks(call: RunningCall, chunks: unknown[]): void {
    const message = { $fr: PROTOCOL_VERSION, t: MessageType.ResultChunks, i: call.id } as ChunkMessage
    try {
      this.#link.sendPayload(message, chunks, call.procedure, 'chunk', (error) => call.abort(error as Error))
    } catch (error) {
      if (chunks.length <= 1) throw error
      for (const chunk of chunks) this.#sendChunks(call, [chunk])
    }
  }

  #finish(call: RunningCall, kind: 'r' | 'e', value: unknown): void {
    this.#running.delete(call.id)
    if (call.deadlineTimer !== undefined) clearTimeout(call.deadlineTimer)
    if (this.#running.size === 0) this.#drained.wake()
    this.#settled?.()
    if (!call.cancelled) this.#reply(kind, call.id, call.procedure, value)
    else {
      // The caller has its answer already; it only needs to know the handler's slot is free.
      debug('call %s (%s) settled after it was cancelled', call.id, call.procedure)
      this.#link.send({ $fr: PROTOCOL_VERSION, t: MessageType.Settled, i: call.id })
    }
    this.#gate.leave(call) // its slot to the next waiting call, once its outcome is on its way
  }

  #reply(kind: 'r' | 'e', id: string, procedure: string, value: unknown): void {
    const message = { $fr: PROTOCOL_VERSION, t: kind, i: id } as ReplyMessage
    const payload = kind === MessageType.Result ? value : this.#link.marshal(value)
    const role = kind === MessageType.Result ? 'result' : 'error'
    try {
      this.#link.encode(message, payload, procedure, role)
      // One closure per reply (sendPayload would wrap it in a second).
      this.#link.transmitShared(message, payload, procedure, role, (error) => this.#replyFailure(id, procedure, sendFailure(error, procedure, role, payload)))
    } catch (error) {
      this.#replyFailure(id, procedure, error)
    }
  }

  /** The outcome could not be sent (unencodable, too large): the caller gets that error instead. */
  #replyFailure(id: string, procedure: string, error: unknown): void {
    const message = { $fr: PROTOCOL_VERSION, t: MessageType.Failure, i: id } as ReplyMessage
    const marshalled = this.#link.marshal(error)
    try {
      this.#link.sendPayload(message, marshalled, procedure, 'error')
    } catch {
      // Even that did not fit (a tiny maxMessageBytes): its name and message alone, unchecked.
      const { name, message: text, c } = marshalled as { name?: string; message?: string; c?: string }
      this.#link.send({ ...message, v: { name, message: text, c } })
    }
  }

  cancel(message: CancelMessage): void {
    const call = this.#running.get(message.i)
    if (call === undefined) return debug('dropped the cancellation of call %s, which is not running', message.i)
    if (message.r === 'w') return this.#giveBack(call)
    call.cancel(message.r === 't' ? timeoutError(call.procedure, message.ms ?? 0) : cancelledByCaller(call.procedure))
    this.#leaveLine(call)
  }

  /** A withdrawal: a call still waiting leaves the line unrun (answered `d`); a started one runs on. */
  #giveBack(call: RunningCall): void {
    if (!this.#gate.waits(call)) return debug('kept call %s (%s), whose handler has started, when its caller asked for it back', call.id, call.procedure)
    debug('call %s (%s) taken back by its caller before its handler started', call.id, call.procedure)
    call.cancel(cancelledByCaller(call.procedure))
    this.#leaveLine(call)
  }

  resultCredit(message: CreditMessage): void {
    const producer = this.#running.get(message.i)?.producer
    if (producer === undefined) return debug('dropped credit for call %s, which is no stream running', message.i)
    producer.grant(message.g)
  }

  inputChunks(message: ChunkMessage): void {
    const call = this.#running.get(message.i)
    const input = call?.input
    if (call === undefined || input === undefined) return debug('dropped chunks for call %s, which is no input stream running', message.i)
    try {
      const chunks = this.#link.receive(message, call.procedure, 'chunk')
      if (!Array.isArray(chunks)) throw new ProtocolError(`The chunks of "${call.procedure}" are not an array`, { procedure: call.procedure })
      input.push(chunks, message.f === true)
    } catch (error) {
      // The handler's reading fails with it (through its signal) rather than waiting for ever.
      call.abort(error as Error)
    }
  }
}

/**
 * How long a handler may keep the event loop before the next call to start waits for the loop
 * to turn (`#slotCame`). Shorter handlers (tiny tasks) run back to back, their replies
 * batched.
 */
const LINE_BREAK_MS = 1

/** The call's signal aborts with TimeoutError when its deadline passes (beyond setTimeout's range: never, in practice). */
function armDeadline(call: RunningCall, remaining: number, aborted: () => void): void {
  call.deadline = Date.now() + remaining
  call.timeLeft = remaining
  if (remaining > MAX_TIMER_MS) return
  call.deadlineTimer = setTimeout(() => {
    call.abort(timeoutError(call.procedure, remaining))
    aborted()
  }, remaining)
}
