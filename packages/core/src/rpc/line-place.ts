/**
 * A call's place in the handler's line. A handler side with a concurrency limit (a pool's
 * worker) holds the calls beyond it in a line; a pool sends calls ahead (`prefetch`), so its
 * calls may wait there. The pool hands each call a `LinePlace` in its options, and through it:
 * - hears when the call's handler starts, if it asked to (`announce`: the request's `sn`,
 *   answered by `go`; a pool asks for the calls it sends to a worker without a free slot):
 *   what it waited counts as waiting, not running, in the pool's stats, and a started call
 *   is not asked back;
 * - takes the call back (`c` with `r: 'w'`) if it may move (a plain call without a key): a
 *   handler side that has not started it takes it out of its line and answers `d`, and the
 *   call fails here with WithdrawnCall, which the pool takes as "never ran: run it
 *   elsewhere". A call whose handler has started runs on and answers as usual.
 */

/**
 * The place of one call: the pool makes it, hands it to the call in its options, and calls
 * `request()` when it wants the call back.
 */
export class LinePlace {
  /** Whether the call may be taken back (a plain call without a key). */
  readonly movable: boolean
  /** Ask the handler side to say when its handler starts (the request's `sn`): set before the call is sent. */
  announce = false
  /** When its handler started (`performance.now()`, as `go` arrived), if it was announced. */
  startedAt: number | undefined = undefined
  #send: (() => boolean) | undefined
  #requested = false

  constructor(movable: boolean) {
    this.movable = movable
  }

  /** Whether it was asked for (whatever came of it). */
  get requested(): boolean {
    return this.#requested
  }

  /** The caller side binds it to the call once the request is sent. */
  attach(send: () => boolean): void {
    this.#send = send
  }

  /** Its handler started (`go`). */
  started(now = performance.now()): void {
    this.startedAt ??= now
  }

  /**
   * Asks for the call back, once; false when it may not move, is not sent yet, was asked
   * already, has started, or has settled.
   */
  request(): boolean {
    if (!this.movable || this.#send === undefined || this.#requested || this.startedAt !== undefined) return false
    this.#requested = true
    return this.#send()
  }
}

/**
 * How a withdrawn call fails: its handler never started. Not a ForkRpcError: a pool catches
 * it and runs the call elsewhere; nothing else ever sees it.
 */
export class WithdrawnCall extends Error {
  override name = 'WithdrawnCall'

  constructor(procedure: string) {
    super(`Call "${procedure}" was taken back before its handler started`)
  }
}

/** The line place in a call's options (a pool's), if any. */
export function placeOf(options: unknown): LinePlace | undefined {
  const place = (options as { place?: unknown } | undefined)?.place
  return place instanceof LinePlace ? place : undefined
}
