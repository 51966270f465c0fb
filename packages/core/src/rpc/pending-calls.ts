/**
 * The caller's table of pending calls: every call this side made that has not settled
 * (procedures, streams, input streams), by id, with the ids themselves, `maxPending`, the
 * timers, the abort listeners, and the cancelled calls whose handler has not settled yet.
 */
import { Drained } from '../base/drained.js'
import { MAX_TIMER_MS } from '../base/timeouts.js'
import type { CloseReason } from '../channel/channel.js'
import type { TooManyPendingCallsError } from '../errors/call-errors.js'
import type { ChunkMessage, ReplyMessage } from '../protocol/messages.js'
import type { CallSettings } from './call-options.js'
import type { LinePlace } from './line-place.js'
import type { Link } from './link.js'

/** What a pending call needs of the caller side that made it (caller.ts implements it). */
export interface CallOwner {
  readonly link: Link
  /** Which side made the call, for the stacks of failed calls ("from the parent"). */
  readonly side: 'parent' | 'worker'
  readonly table: PendingCalls
  /** Why new calls are refused, once they are. */
  readonly refusal: CloseReason | undefined
  /** The caller gave up on `call`: it leaves the table and the handler is told; false when it had settled. */
  giveUp(call: PendingCall, cancel: { r: 'a' | 't'; ms?: number }): boolean
  tooManyPending(procedure: string): TooManyPendingCallsError
}

/**
 * One call this side made and has not settled: what the table and the caller side need of
 * it, whatever its kind.
 */
export abstract class PendingCall {
  /** The call's id (set when it is sent). */
  id = ''
  /** Set while a timeout is armed. */
  timer: NodeJS.Timeout | undefined = undefined
  /** Its caller asked for it back (`line-place.ts`): a `d` means it left the handler's line unrun. */
  withdrawing = false
  /** Its place in the handler's line, when its caller (a pool) follows it there. */
  place: LinePlace | undefined = undefined

  /** `settings`: the call's, shared by the calls made without options (one field rather than four per pending call). */
  constructor(
    readonly procedure: string,
    readonly settings: CallSettings | undefined,
  ) {}

  get signal(): AbortSignal | undefined {
    return this.settings?.signal
  }

  get onProgress(): ((payload: unknown) => void) | undefined {
    return this.settings?.onProgress
  }

  /** Its reply arrived (`r` or `e`); it has left the table. */
  abstract replied(message: ReplyMessage): void
  /** It failed for a reason of this side's (the channel closed, a forged cancel); it has left the table. */
  abstract fail(error: unknown): void
  /** Its signal aborted. */
  abstract aborted(reason: unknown): void
  /** Its timeout fired. */
  abstract timedOut(): void
  /** Chunks of its result stream arrived (streams only). */
  chunks(_message: ChunkMessage): boolean {
    return false
  }
  /** The handler took `count` more chunks of its input stream (input streams only). */
  inputCredit(_count: number): boolean {
    return false
  }
}

/** The table of pending calls of one caller. */
export class PendingCalls {
  readonly maxPending: number
  /**
   * Calls the caller gave up on (cancelled, timed out, broken off) whose handler has not
   * settled yet, by id, with when they were given up (`Date.now()`).
   */
  readonly lingering = new Map<string, number>()
  /** Hears that a lingering call's handler settled (a pool: that worker's slot is free). */
  #lingerEnded: (() => void) | undefined
  readonly #calls = new Map<string, PendingCall>()
  // One 'abort' listener per signal, however many calls share it (a listener per call
  // would trip Node's MaxListenersExceededWarning on a signal shared by a batch).
  readonly #bySignal = new Map<AbortSignal, Set<PendingCall>>()
  // Ids: a counter, unique among this caller's calls, which is all the handler's table needs
  // (the debug log names the worker beside each id). Short ids are fewer bytes to encode and
  // parse on every message of the call.
  #last = 0
  readonly #drained = new Drained()
  readonly #sizeChanged: () => void

  constructor(maxPending: number, sizeChanged: () => void) {
    this.maxPending = maxPending
    this.#sizeChanged = sizeChanged
  }

  /** Calls waiting for their outcome. */
  get size(): number {
    return this.#calls.size
  }

  /** Whether one more call fits under `maxPending` (lingering calls count: they hold a slot in the worker). */
  admits(): boolean {
    return this.#calls.size + this.lingering.size < this.maxPending
  }

  nextId(): string {
    return (++this.#last).toString(36)
  }

  add(call: PendingCall): void {
    this.#calls.set(call.id, call)
    const signal = call.signal
    if (signal !== undefined) this.#watch(signal, call)
    this.#sizeChanged()
  }

  get(id: string): PendingCall | undefined {
    return this.#calls.get(id)
  }

  /** Takes call `id` out of the table (it settled); undefined when it is not there. */
  take(id: string): PendingCall | undefined {
    const call = this.#calls.get(id)
    if (call === undefined) return undefined
    this.#calls.delete(id)
    if (call.timer !== undefined) clearTimeout(call.timer)
    if (call.signal !== undefined) this.#unwatch(call.signal, call)
    this.#sizeChanged()
    if (this.#calls.size === 0) this.#drained.wake()
    return call
  }

  /** Times `call` out after `ms` (also beyond setTimeout's range, in steps). */
  armTimeout(call: PendingCall, ms: number): void {
    call.timer = ms > MAX_TIMER_MS ? setTimeout(() => this.armTimeout(call, ms - MAX_TIMER_MS), MAX_TIMER_MS) : setTimeout(() => call.timedOut(), ms)
  }

  /** Resolves once no call is pending. */
  drained(): Promise<void> {
    return this.#drained.wait(this.#calls.size === 0)
  }

  /** `call` was given up on: it lingers until its handler settles (`endLinger`). */
  linger(call: PendingCall): void {
    this.lingering.set(call.id, Date.now())
  }

  /** Call `id`'s handler settled: it lingers no more (`onLingerEnd`'s listener hears of it). */
  endLinger(id: string): void {
    if (this.lingering.delete(id)) this.#lingerEnded?.()
  }

  /** `listener` hears each time a lingering call's handler settles (one listener: a pool's member). */
  onLingerEnd(listener: () => void): void {
    this.#lingerEnded = listener
  }

  /** Fails every pending call with `error(call)` and forgets the lingering ones. */
  failAll(error: (call: PendingCall) => unknown): void {
    if (this.lingering.size > 0) {
      this.lingering.clear()
      this.#lingerEnded?.()
    }
    for (const id of [...this.#calls.keys()]) {
      const call = this.take(id)
      call?.fail(error(call))
    }
  }

  #watch(signal: AbortSignal, call: PendingCall): void {
    let calls = this.#bySignal.get(signal)
    if (calls === undefined) {
      calls = new Set()
      this.#bySignal.set(signal, calls)
      signal.addEventListener('abort', this.#onAbort)
    }
    calls.add(call)
  }

  #unwatch(signal: AbortSignal, call: PendingCall): void {
    const calls = this.#bySignal.get(signal)
    if (calls === undefined || !calls.delete(call) || calls.size > 0) return
    this.#bySignal.delete(signal)
    signal.removeEventListener('abort', this.#onAbort)
  }

  readonly #onAbort = (event: Event): void => {
    const signal = event.target as AbortSignal
    const calls = this.#bySignal.get(signal)
    if (calls !== undefined) for (const call of [...calls]) call.aborted(signal.reason)
  }
}
