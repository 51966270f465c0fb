/**
 * A pending stream call, in the caller: an AsyncIterableIterator that sends its request on
 * the first `next()`, buffers at most its credit window of chunks, grants credit as the
 * consumer takes them, and cancels the handler (so its generator's `finally` runs) when the
 * consumer breaks, aborts or times out.
 */
import { debug } from '../base/debug.js'
import { MAX_TIMER_MS } from '../base/timeouts.js'
import { ProtocolError, timeoutError } from '../errors/call-errors.js'
import { ForkRpcError } from '../errors/forkrpc-error.js'
import { MessageType, PROTOCOL_VERSION, type ChunkMessage, type ReplyMessage, type RequestMessage } from '../protocol/messages.js'
import { AsyncQueue } from './async-queue.js'
import type { CallSettings } from './call-options.js'
import { fromOtherSide, joinCallerFrames, madeHere } from './caller-stack.js'
import { CreditGrantor } from './credit.js'
import { PendingCall, type CallOwner } from './pending-calls.js'

/**
 * One stream call. Its timeout is the longest wait for each next chunk, counted only while
 * the consumer waits.
 */
export class OutgoingStream extends PendingCall implements AsyncIterableIterator<unknown> {
  readonly #owner: CallOwner
  readonly #input: unknown
  readonly #settings: CallSettings | Error
  readonly #queue: AsyncQueue<unknown>
  readonly #metadata: Record<string, string> | undefined
  #grantor: CreditGrantor | undefined
  #started = false
  #waitTimer: NodeJS.Timeout | undefined

  /** `settings` is the Error its options failed with: the first `next()` rejects with it. */
  constructor(owner: CallOwner, procedure: string, input: unknown, settings: CallSettings | Error, metadata?: Record<string, string>) {
    super(procedure, settings instanceof Error ? undefined : settings)
    this.#owner = owner
    this.#input = input
    this.#settings = settings
    this.#metadata = metadata
    this.#queue = new AsyncQueue({
      taken: () => this.#grantor?.taken(),
      waiting: (waiting) => this.#waiting(waiting),
      returned: () => this.#returned(),
    })
  }

  [Symbol.asyncIterator](): this {
    return this
  }

  /** Async, so that a failure's error can get the consuming code's frames for free (caller-stack.ts). */
  async next(): Promise<IteratorResult<unknown>> {
    if (!this.#started) this.#start()
    try {
      return await this.#queue.next()
    } catch (error) {
      throw joinCallerFrames(error, OutgoingStream.prototype.next)
    }
  }

  /** Called by `break` (and `return` in a `for await`): stops the handler's generator. */
  return(): Promise<IteratorResult<unknown>> {
    this.#started = true
    return this.#queue.return()
  }

  #start(): void {
    this.#started = true
    const settings = this.#settings
    if (settings instanceof Error) return this.#queue.end(settings)
    const refusal = this.#owner.refusal
    if (refusal !== undefined) return this.#queue.end(madeHere(refusal(this.procedure, false)))
    if (settings.signal?.aborted) return this.#queue.end(settings.signal.reason)
    const table = this.#owner.table
    if (!table.admits()) return this.#queue.end(this.#owner.tooManyPending(this.procedure))
    this.id = table.nextId()
    const message = { $fr: PROTOCOL_VERSION, t: MessageType.Request, i: this.id, m: this.procedure, w: settings.credit } as RequestMessage
    if (this.#metadata !== undefined) message.md = this.#metadata
    const link = this.#owner.link
    try {
      link.encode(message, this.#input, this.procedure, 'input')
    } catch (error) {
      return this.#queue.end(error)
    }
    this.#grantor = new CreditGrantor(settings.credit, (g) => link.send({ $fr: PROTOCOL_VERSION, t: MessageType.ResultCredit, i: this.id, g }))
    table.add(this)
    try {
      link.transmit(message, this.#input, this.procedure, 'input', (error) => this.#stop(error))
    } catch (error) {
      table.take(this.id)
      this.#queue.end(error)
    }
  }

  override chunks(message: ChunkMessage): boolean {
    let chunks: unknown
    try {
      chunks = this.#owner.link.receive(message, this.procedure, 'chunk')
      if (!Array.isArray(chunks)) throw new ProtocolError(`The chunks of stream "${this.procedure}" are not an array`, { procedure: this.procedure })
      if (!(this.#grantor as CreditGrantor).received(chunks.length)) {
        throw new ProtocolError(`The handler of stream "${this.procedure}" sent more chunks than its credit allows`, { procedure: this.procedure })
      }
    } catch (error) {
      this.#stop(error)
      return true
    }
    for (const chunk of chunks) this.#queue.push(chunk)
    return true
  }

  replied(message: ReplyMessage): void {
    this.#clearWaitTimer()
    if (message.t === MessageType.Result) return this.#queue.end()
    let error: unknown
    try {
      const data = this.#owner.link.receive(message, this.procedure, 'error')
      error = fromOtherSide(this.#owner.link.unmarshal(data, { procedure: this.procedure }), this.procedure, this.#owner.side)
    } catch (decodeError) {
      error = decodeError
    }
    this.#queue.end(error)
  }

  /** forkrpc's own errors get the consumer's frames; anything else keeps its own stack. */
  fail(error: unknown): void {
    this.#clearWaitTimer()
    this.#queue.end(error instanceof ForkRpcError ? madeHere(error) : error)
  }

  aborted(reason: unknown): void {
    if (!this.#owner.giveUp(this, { r: 'a' })) return
    debug('stream %s (%s) aborted by its signal', this.id, this.procedure)
    this.#clearWaitTimer()
    this.#queue.end(reason, true)
  }

  timedOut(): void {
    const timeout = (this.#settings as CallSettings).timeout as number
    if (!this.#owner.giveUp(this, { r: 't', ms: timeout })) return
    debug('stream %s (%s) timed out after %d ms without a chunk', this.id, this.procedure, timeout)
    this.#queue.end(madeHere(timeoutError(this.procedure, timeout)))
  }

  /** Stops the stream for a failure of this side's: the handler is cancelled, the consumer gets `error`. */
  #stop(error: unknown): void {
    if (!this.#owner.giveUp(this, { r: 'a' })) return
    this.fail(error)
  }

  /** The consumer broke off: the handler is cancelled (its generator's `finally` runs). */
  #returned(): void {
    this.#clearWaitTimer()
    if (this.id !== '') this.#owner.giveUp(this, { r: 'a' })
  }

  /** The timeout counts only while the consumer waits for a chunk. */
  #waiting(waiting: boolean): void {
    const timeout = (this.#settings as CallSettings).timeout
    if (!waiting) this.#clearWaitTimer()
    else if (timeout !== undefined && this.id !== '') this.#waitTimer = setTimeout(() => this.timedOut(), Math.min(timeout, MAX_TIMER_MS))
  }

  #clearWaitTimer(): void {
    if (this.#waitTimer === undefined) return
    clearTimeout(this.#waitTimer)
    this.#waitTimer = undefined
  }
}
