/**
 * The events a peer hears: listeners by name (`worker.on`, a worker's notification
 * handlers), async iterators of one event (`worker.events`), and the `onProgress` of the call
 * whose handler emitted it.
 */
import { debug } from '../base/debug.js'
import { TooManyPendingCallsError } from '../errors/call-errors.js'
import type { EventDefinitions } from '../contract/event.js'
import type { EventInterceptor } from '../contract/interceptor-types.js'
import type { EventMessage } from '../protocol/messages.js'
import { AsyncQueue } from './async-queue.js'
import { interceptEvent } from './interceptors.js'
import type { Link } from './link.js'

/** The events a peer hears, and what its owner does with them. */
export class EventHub {
  readonly #events: EventDefinitions
  readonly #link: Link
  readonly #maxPending: number
  readonly #waitingChanged: () => void
  readonly #interceptors: readonly EventInterceptor[] | undefined
  readonly #listeners = new Map<string, Set<(payload: unknown) => void>>()
  readonly #iterators = new Set<AsyncQueue<unknown>>()
  #waiting = 0
  #closed = false

  constructor(events: EventDefinitions, link: Link, maxPending: number, waitingChanged: () => void, interceptors?: readonly EventInterceptor[]) {
    this.#events = events
    this.#link = link
    this.#maxPending = maxPending
    this.#waitingChanged = waitingChanged
    this.#interceptors = interceptors
  }

  /** How many events() iterators are waiting in next(). */
  get waiting(): number {
    return this.#waiting
  }

  /** Calls `listener` with every `name` event until the returned function is called. */
  on(name: string, listener: (payload: unknown) => void): () => void {
    this.#checkName(name, 'on(name, listener)')
    if (typeof listener !== 'function') throw new TypeError('on(name, listener): listener must be a function')
    let set = this.#listeners.get(name)
    if (set === undefined) this.#listeners.set(name, (set = new Set()))
    // A wrapper, so that the same function added twice is called twice and removed once per remover.
    const entry = (payload: unknown): void => listener(payload)
    set.add(entry)
    return () => void set.delete(entry)
  }

  /** An async iterator of every `name` event from now on; it buffers at most `maxPending` unread. */
  events(name: string): AsyncIterableIterator<unknown> {
    this.#checkName(name, 'events(name)')
    const queue: AsyncQueue<unknown> = new AsyncQueue({
      waiting: (waiting) => {
        this.#waiting += waiting ? 1 : -1
        this.#waitingChanged()
      },
      returned: () => finish(),
    })
    if (this.#closed) {
      queue.end()
      return queue
    }
    const stop = this.on(name, (payload) => {
      if (queue.size < this.#maxPending) return queue.push(payload)
      const error = new TooManyPendingCallsError(`events("${name}"): ${this.#maxPending} events were left unread (maxPending); the iterator ended`, { limit: this.#maxPending })
      finish(error)
    })
    const finish = (error?: unknown): void => {
      stop()
      this.#iterators.delete(queue)
      queue.end(error)
    }
    this.#iterators.add(queue)
    return queue
  }

  /**
   * Delivers an arrived event, through the interceptors if there are any: to `origin`'s
   * onProgress (the call whose handler emitted it) first, then to every listener.
   */
  dispatch(message: EventMessage, origin: { procedure: string; onProgress: ((payload: unknown) => void) | undefined } | undefined): void {
    const name = message.n
    if (!Object.hasOwn(this.#events, name)) return debug('dropped event "%s", which the contract does not declare', name)
    const set = this.#listeners.get(name)
    const progress = name === 'progress' ? origin?.onProgress : undefined
    if (progress === undefined && (set === undefined || set.size === 0) && this.#interceptors === undefined) return
    let payload: unknown
    try {
      payload = this.#link.receive(message, undefined, `payload of event "${name}"`)
    } catch (error) {
      return debug('dropped event "%s": %o', name, error)
    }
    const deliverAll = (delivered: unknown): void => {
      if (progress !== undefined) deliver(progress, delivered)
      if (set !== undefined) for (const listener of [...set]) deliver(listener, delivered)
    }
    if (this.#interceptors === undefined) return deliverAll(payload)
    try {
      interceptEvent(this.#interceptors, { name, payload, procedure: origin?.procedure }, deliverAll)
    } catch (error) {
      queueMicrotask(() => {
        throw error
      })
    }
  }

  /** The other side is gone: every iterator ends (done). */
  close(): void {
    this.#closed = true
    for (const queue of [...this.#iterators]) {
      this.#iterators.delete(queue)
      queue.end()
    }
  }

  #checkName(name: unknown, where: string): asserts name is string {
    if (typeof name !== 'string' || !Object.hasOwn(this.#events, name)) {
      const declared = Object.keys(this.#events).map((n) => `"${n}"`).join(', ') || 'none'
      throw new TypeError(`${where}: "${String(name)}" is not an event of the contract (it declares ${declared})`)
    }
  }
}

/** A listener that throws does not keep the others from hearing the event; its error is rethrown asynchronously. */
function deliver(listener: (payload: unknown) => void, payload: unknown): void {
  try {
    listener(payload)
  } catch (error) {
    queueMicrotask(() => {
      throw error
    })
  }
}
