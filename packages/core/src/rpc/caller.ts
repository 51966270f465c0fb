/**
 * The caller's side of a peer: makes calls (procedures, streams, input streams) through the
 * table of pending calls, and takes what the handlers send back.
 */
import { debug } from '../base/debug.js'
import { sendFailure } from '../codec/encodable.js'
import { AbortError, tooManyPending, type TooManyPendingCallsError } from '../errors/call-errors.js'
import type { CloseReason } from '../channel/channel.js'
import type { AnyDeclaration } from '../contract/define-contract.js'
import type { CallInterceptor, InterceptedCall } from '../contract/interceptor-types.js'
import { validate } from '../contract/validate.js'
import { MessageType, PROTOCOL_VERSION, type ChunkMessage, type CreditMessage, type ReplyMessage, type RequestMessage, type SettledMessage, type StartedMessage } from '../protocol/messages.js'
import { readCallOptions, withDeadline, type CallSettings, type InheritedDeadline } from './call-options.js'
import { placeOf, WithdrawnCall, type LinePlace } from './line-place.js'
import { interceptCall } from './interceptors.js'
import { streamOutcome } from './stream-outcome.js'
import { madeHere } from './caller-stack.js'
import type { Link } from './link.js'
import { isChunkSource, OutgoingCall } from './outgoing-call.js'
import { OutgoingStream } from './outgoing-stream.js'
import { PendingCalls, type CallOwner, type PendingCall } from './pending-calls.js'

/** What a caller side is built from. */
export interface CallerSettings {
  readonly link: Link
  /** Which side this is, for the stacks of failed calls ("from the parent"). */
  readonly side: 'parent' | 'worker'
  /** The default timeout of every call. */
  readonly timeout: number | undefined
  readonly maxPending: number
  /** Called whenever the number of pending calls changes. */
  readonly sizeChanged: () => void
  /** Around every call, when there are any. */
  readonly interceptors?: readonly CallInterceptor[] | undefined
}

/** Makes calls and settles them. */
export class CallerSide implements CallOwner {
  readonly link: Link
  readonly side: 'parent' | 'worker'
  readonly table: PendingCalls
  readonly #timeout: number | undefined
  readonly #interceptors: readonly CallInterceptor[] | undefined
  /** The settings of calls made without options, by declaration: the same for every such call. */
  readonly #plainSettings = new WeakMap<AnyDeclaration, CallSettings>()
  #refusal: CloseReason | undefined

  constructor(settings: CallerSettings) {
    this.link = settings.link
    this.side = settings.side
    this.#timeout = settings.timeout
    this.#interceptors = settings.interceptors
    this.table = new PendingCalls(settings.maxPending, settings.sizeChanged)
  }

  /** Why new calls are refused, once they are. */
  get refusal(): CloseReason | undefined {
    return this.#refusal
  }

  /** Refuses new calls with `reason`; calls in flight go on. */
  refuse(reason: CloseReason): void {
    this.#refusal ??= reason
  }

  /** Refuses new calls, and fails every pending one, with `reason` (the channel is gone). */
  close(reason: CloseReason): void {
    this.refuse(reason)
    this.table.failAll((call) => reason(call.procedure, true))
  }

  tooManyPending(procedure: string): TooManyPendingCallsError {
    return tooManyPending(procedure, this.table.maxPending, 'caller')
  }

  /**
   * Calls a procedure or an input stream, through the interceptors if there are any. May
   * throw (a bad option, bad input): the call object turns that into a rejected promise.
   */
  call(name: string, declared: AnyDeclaration, input: unknown, options: unknown, inherited?: InheritedDeadline): Promise<unknown> {
    const chain = this.#interceptors
    if (chain === undefined) return this.#call(name, declared, input, options, undefined, inherited)
    const intercepted = { procedure: name, kind: declared.kind, input, options: options as InterceptedCall['options'], metadata: {} }
    try {
      return Promise.resolve(interceptCall(chain, intercepted, (call) => this.#call(name, declared, call.input, call.options, call.metadata, inherited)))
    } catch (error) {
      return Promise.reject(error) // an interceptor that throws: a promise API never throws
    }
  }

  /** Opens a stream call, through the interceptors if there are any; its request goes out on the first `next()`. */
  stream(name: string, declared: AnyDeclaration, input: unknown, options: unknown): AsyncIterableIterator<unknown> {
    const chain = this.#interceptors
    if (chain === undefined) return this.#stream(name, declared, input, options, undefined)
    const intercepted = { procedure: name, kind: declared.kind, input, options: options as InterceptedCall['options'], metadata: {} }
    return streamOutcome(() => interceptCall(chain, intercepted, (call) => this.#stream(name, declared, call.input, call.options, call.metadata)), name)
  }

  #call(
    name: string,
    declared: AnyDeclaration,
    input: unknown,
    options: unknown,
    metadata: Record<string, string> | undefined,
    inherited: InheritedDeadline | undefined,
  ): Promise<unknown> {
    if (this.#refusal !== undefined) return Promise.reject(madeHere(this.#refusal(name, false)))
    let settings = options === undefined ? this.#plainSettingsOf(name, declared) : readCallOptions(name, declared, options, this.#timeout)
    if (inherited !== undefined) settings = withDeadline(settings, inherited)
    if (settings.signal?.aborted) return Promise.reject(settings.signal.reason)
    const md = metadataOf(name, metadata)
    const place = placeOf(options)
    if (declared.kind === 'input-stream') {
      if (!isChunkSource(input)) throw new TypeError(`call "${name}": expected an AsyncIterable or an Iterable of chunks, got ${typeof input}`)
      return this.#send(name, undefined, settings, input, md, place)
    }
    const schema = declared.input
    if (schema === undefined) return this.#send(name, input, settings, undefined, md, place)
    // Checked here so that bad input fails before anything is sent; the handler's side checks
    // again and hands the handler the schema's parsed value. The original input is sent.
    return validate(schema, input, name, 'input').then(
      () => {
        if (this.#refusal !== undefined) throw madeHere(this.#refusal(name, false))
        if (settings.signal?.aborted) throw settings.signal.reason
        return this.#send(name, input, settings, undefined, md, place)
      },
      (error: Error) => {
        throw madeHere(error)
      },
    )
  }

  #plainSettingsOf(name: string, declared: AnyDeclaration): CallSettings {
    let settings = this.#plainSettings.get(declared)
    if (settings === undefined) this.#plainSettings.set(declared, (settings = Object.freeze(readCallOptions(name, declared, undefined, this.#timeout))))
    return settings
  }

  #stream(name: string, declared: AnyDeclaration, input: unknown, options: unknown, metadata: Record<string, string> | undefined): AsyncIterableIterator<unknown> {
    let settings: CallSettings | Error
    let md: Record<string, string> | undefined
    try {
      settings = readCallOptions(name, declared, options, this.#timeout)
      md = metadataOf(name, metadata)
    } catch (error) {
      settings = error as Error
    }
    return new OutgoingStream(this, name, input, settings, md)
  }

  #send(
    name: string,
    input: unknown,
    settings: CallSettings,
    source: AsyncIterable<unknown> | Iterable<unknown> | undefined,
    metadata: Record<string, string> | undefined,
    place?: LinePlace,
  ): Promise<unknown> {
    if (!this.table.admits()) throw this.tooManyPending(name)
    const id = this.table.nextId()
    const message = { $fr: PROTOCOL_VERSION, t: MessageType.Request, i: id, m: name } as RequestMessage
    if (source !== undefined) message.u = settings.credit
    if (settings.timeout !== undefined) message.dl = settings.timeout
    if (metadata !== undefined) message.md = metadata
    if (place?.announce === true) message.sn = true
    this.link.encode(message, input, name, 'input')
    return new Promise((resolve, reject) => {
      const call = new OutgoingCall(this, name, settings, resolve, reject)
      call.id = id
      call.place = place
      this.table.add(call)
      if (settings.timeout !== undefined) this.table.armTimeout(call, settings.timeout)
      try {
        this.link.transmitShared(message, input, name, 'input', this.#requestRefused)
      } catch (error) {
        this.table.take(id)
        reject(madeHere(error))
        return
      }
      if (source !== undefined) call.pumpFrom(source, settings.credit)
      place?.attach(() => this.#withdraw(call))
    })
  }

  /**
   * A request the channel's serializer refused after `send()` returned (a batch written at the
   * end of the turn): its call fails. One listener for every request; the payload it names
   * the culprit in is the request's own (`v`: the input as it is, where the codec sent it so).
   */
  readonly #requestRefused = (error: unknown, message: object): void => {
    const request = message as RequestMessage
    const call = this.table.take(request.i)
    call?.fail(sendFailure(error, call.procedure, 'input', request.v))
  }

  /** Asks the handler side for `call` back (`line-place.ts`); false when it has settled. */
  #withdraw(call: OutgoingCall): boolean {
    if (this.table.get(call.id) !== call) return false
    call.withdrawing = true
    this.link.send({ $fr: PROTOCOL_VERSION, t: MessageType.Cancel, i: call.id, r: 'w' })
    return true
  }

  /**
   * The caller gave up on `call` (aborted, timed out, broken off): it leaves the table and
   * the handler is told to stop. False when it had settled already.
   */
  giveUp(call: PendingCall, cancel: { r: 'a' | 't'; ms?: number }): boolean {
    if (this.table.take(call.id) === undefined) return false
    this.table.linger(call)
    this.link.send({ $fr: PROTOCOL_VERSION, t: MessageType.Cancel, i: call.id, ...cancel })
    return true
  }

  /** A call's reply (`r` / `e`). */
  replied(message: ReplyMessage): void {
    const call = this.table.take(message.i)
    if (call !== undefined) return call.replied(message)
    // A reply that crossed the cancellation on the wire: the handler is done too.
    this.table.endLinger(message.i)
    debug('dropped a reply to call %s, which is not pending (settled, cancelled or never made)', message.i)
  }

  /** A stream's chunks (`y`). */
  chunks(message: ChunkMessage): void {
    if (this.table.get(message.i)?.chunks(message) !== true) debug('dropped chunks of call %s, which is no stream pending', message.i)
  }

  /** Credit for an input stream (`ki`). */
  inputCredit(message: CreditMessage): void {
    if (this.table.get(message.i)?.inputCredit(message.g) !== true) debug('dropped credit for call %s, which is no input stream pending', message.i)
  }

  /** The handler of call `i` started (`go`, as its request asked): its place hears of it. */
  started(message: StartedMessage): void {
    this.table.get(message.i)?.place?.started()
  }

  /** The handler of a cancelled call has settled (`d`). */
  settled(message: SettledMessage): void {
    this.table.endLinger(message.i)
    // A call still pending was never cancelled by this caller, yet the other side says its
    // handler was (a forged or confused cancel): it will get no other reply, so settle it.
    const orphan = this.table.take(message.i)
    // A call this caller asked back (a pool's withdrawal): it left the handler's line unrun.
    if (orphan?.withdrawing === true) return orphan.fail(new WithdrawnCall(orphan.procedure))
    orphan?.fail(madeHere(new AbortError(`Call "${orphan.procedure}" was cancelled on the other side, not by its caller`, { procedure: orphan.procedure })))
  }
}

/** The metadata an interceptor set, checked (strings only), or undefined when there is none. */
function metadataOf(name: string, metadata: Record<string, string> | undefined): Record<string, string> | undefined {
  if (metadata === undefined) return undefined
  let any = false
  for (const key in metadata) {
    if (typeof metadata[key] !== 'string') throw new TypeError(`call "${name}": metadata.${key} must be a string, got ${typeof metadata[key]}`)
    any = true
  }
  return any ? metadata : undefined
}
