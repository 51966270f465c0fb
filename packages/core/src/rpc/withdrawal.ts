/**
 * Taking a call back: a pool that sees a worker free while calls wait in another worker's
 * line (sent ahead with `prefetch`, behind a handler that may be stuck) asks for one back.
 * The caller sends `c` with `r: 'w'`; a handler side that has not started the call yet takes
 * it out of its line and answers `d`, and the call fails here with WithdrawnCall, which the
 * pool takes as "never ran: run it elsewhere". A call whose handler has started runs on and
 * answers as usual.
 */

/**
 * The withdrawal of one call: the pool makes it, hands it to the call in its options, and
 * calls `request()` when it wants the call back.
 *
 * @example
 * ```ts
 * const withdrawal = new Withdrawal()
 * void member.call('add', declared, input, { ...options, withdrawal })
 * withdrawal.request() // false until the request is on its way, or once asked
 * ```
 */
export class Withdrawal {
  #send: (() => boolean) | undefined
  #requested = false

  /** Whether it was asked for (whatever came of it). */
  get requested(): boolean {
    return this.#requested
  }

  /** The caller side binds it to the call once the request is sent. */
  attach(send: () => boolean): void {
    this.#send = send
  }

  /** Asks for the call back, once; false when it is not sent yet, was asked already, or has settled. */
  request(): boolean {
    if (this.#send === undefined || this.#requested) return false
    this.#requested = true
    return this.#send()
  }
}

/**
 * How a withdrawn call fails: its handler never started. Not a ForkRpcError: a pool catches
 * it and runs the call elsewhere; nothing else ever sees it.
 *
 * @example
 * ```ts
 * if (error instanceof WithdrawnCall) queue.pushFront(task)
 * ```
 */
export class WithdrawnCall extends Error {
  override name = 'WithdrawnCall'

  constructor(procedure: string) {
    super(`Call "${procedure}" was taken back before its handler started`)
  }
}

/**
 * The withdrawal in a call's options (a pool's), if any.
 *
 * @example
 * ```ts
 * const withdrawal = withdrawalOf(options)
 * ```
 */
export function withdrawalOf(options: unknown): Withdrawal | undefined {
  const withdrawal = (options as { withdrawal?: unknown } | undefined)?.withdrawal
  return withdrawal instanceof Withdrawal ? withdrawal : undefined
}
