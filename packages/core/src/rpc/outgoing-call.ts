/**
 * A pending call that settles once: a procedure's, or an input stream's (whose chunks it
 * pumps from the caller's iterable while the handler grants credit).
 */
import { debug } from '../base/debug.js'
import { timeoutError } from '../errors/call-errors.js'
import { ForkRpcError } from '../errors/forkrpc-error.js'
import { MessageType, PROTOCOL_VERSION, type ChunkMessage, type ReplyMessage } from '../protocol/messages.js'
import type { CallSettings } from './call-options.js'
import { fromOtherSide, madeHere } from './caller-stack.js'
import { ChunkProducer } from './chunk-producer.js'
import { PendingCall, type CallOwner } from './pending-calls.js'

/** A call waiting for its one reply. */
export class OutgoingCall extends PendingCall {
  readonly #owner: CallOwner
  readonly #resolve: (value: unknown) => void
  readonly #reject: (reason: unknown) => void
  /** An input stream's pump, while it runs. */
  #pump: { producer: ChunkProducer; stop: AbortController } | undefined

  constructor(
    owner: CallOwner,
    procedure: string,
    settings: CallSettings,
    resolve: (value: unknown) => void,
    reject: (reason: unknown) => void,
  ) {
    super(procedure, settings)
    this.#owner = owner
    this.#resolve = resolve
    this.#reject = reject
  }

  replied(message: ReplyMessage): void {
    this.#stopPump()
    const link = this.#owner.link
    let value: unknown
    try {
      value = link.receive(message, this.procedure, message.t === MessageType.Result ? 'result' : 'error')
    } catch (error) {
      this.#reject(madeHere(error))
      return
    }
    if (message.t === MessageType.Result) this.#resolve(value)
    else this.#reject(fromOtherSide(link.unmarshal(value, { procedure: this.procedure }), this.procedure, this.#owner.side))
  }

  /** forkrpc's own errors get the caller's frames; anything else (a source's error) keeps its own stack. */
  fail(error: unknown): void {
    this.#stopPump()
    this.#reject(error instanceof ForkRpcError ? madeHere(error) : error)
  }

  aborted(reason: unknown): void {
    if (!this.#owner.giveUp(this, { r: 'a' })) return
    debug('call %s (%s) aborted by its signal', this.id, this.procedure)
    this.#stopPump()
    this.#reject(reason)
  }

  timedOut(): void {
    const timeout = this.settings?.timeout as number
    if (!this.#owner.giveUp(this, { r: 't', ms: timeout })) return
    debug('call %s (%s) timed out after %d ms', this.id, this.procedure, timeout)
    this.#stopPump()
    this.#reject(madeHere(timeoutError(this.procedure, timeout, this.settings?.inheritedFrom)))
  }

  /** Gave up for a failure of this side's (a chunk that cannot be sent, a source that threw). */
  #giveUpWith(error: unknown): void {
    if (!this.#owner.giveUp(this, { r: 'a' })) return
    this.fail(error)
  }

  override inputCredit(count: number): boolean {
    this.#pump?.producer.grant(count)
    return this.#pump !== undefined
  }

  /** An input stream: sends `source`'s chunks as the handler grants credit, the last with `f`. */
  pumpFrom(source: AsyncIterable<unknown> | Iterable<unknown>, window: number): void {
    const stop = new AbortController()
    const producer = new ChunkProducer(window, stop.signal, `The input stream of "${this.procedure}"`)
    this.#pump = { producer, stop }
    const send = (chunks: unknown[], final: boolean): void => this.#sendChunks(chunks, final)
    producer
      .run(toAsync(source), (chunks) => send(chunks, false))
      .then(() => {
        if (!stop.signal.aborted) send([], true)
      })
      .catch((error: unknown) => this.#giveUpWith(error))
  }

  #sendChunks(chunks: unknown[], final: boolean): void {
    const message = { $fr: PROTOCOL_VERSION, t: MessageType.InputChunks, i: this.id } as ChunkMessage
    if (final) message.f = true
    try {
      this.#owner.link.sendPayload(message, chunks, this.procedure, 'chunk', (error) => this.#giveUpWith(error))
    } catch (error) {
      // A batch too large as a whole goes chunk by chunk; a chunk too large by itself fails the call.
      if (chunks.length <= 1) throw error
      for (const chunk of chunks) this.#sendChunks([chunk], false)
    }
  }

  #stopPump(): void {
    this.#pump?.stop.abort()
    this.#pump = undefined
  }
}

function toAsync(source: AsyncIterable<unknown> | Iterable<unknown>): AsyncIterable<unknown> {
  if (Symbol.asyncIterator in source) return source
  return (async function* () {
    yield* source
  })()
}

/** True for what an input stream accepts: an AsyncIterable or an Iterable (not a string). */
export function isChunkSource(value: unknown): value is AsyncIterable<unknown> | Iterable<unknown> {
  if (typeof value !== 'object' || value === null) return false
  return typeof (value as Partial<AsyncIterable<unknown>>)[Symbol.asyncIterator] === 'function' || typeof (value as Partial<Iterable<unknown>>)[Symbol.iterator] === 'function'
}
