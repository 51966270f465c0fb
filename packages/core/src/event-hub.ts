/**
 * The parent's side of events: listeners by event name (`worker.on`), async iterators of
 * one event (`worker.events`), and the per-call `onProgress` of the call that emitted it.
 */
import type { Codec } from './codec.js'
import type { Contract } from './contract.js'
import { debug } from './debug.js'
import type { EventPayload } from './event.js'
import type { EventMessage } from './protocol.js'

/**
 * The events of a contract, heard in the parent. `fork()`'s worker, `spawnThread()`'s and
 * the test pair all offer it.
 *
 * @example
 * ```ts
 * const stop = worker.on('progress', ({ pct }) => console.log(`${pct}%`))
 * for await (const { pct } of worker.events('progress')) if (pct === 100) break
 * stop()
 * ```
 */
export interface EventSource<C extends Contract> {
  /**
   * Calls `listener` with the payload of every `name` event, from any call, until the
   * returned function is called. A listener that throws does not keep the others from
   * hearing the event; its error is rethrown asynchronously (as an uncaught exception,
   * like an EventEmitter listener's).
   */
  on<K extends keyof C['events'] & string>(name: K, listener: (payload: EventPayload<C['events'][K]>) => void): () => void
  /**
   * An async iterator of the payloads of every `name` event from now on. It buffers the
   * events the loop has not taken yet (events have no flow control), ends when the loop
   * breaks, and ends (done) when the worker is gone.
   */
  events<K extends keyof C['events'] & string>(name: K): AsyncIterableIterator<EventPayload<C['events'][K]>>
}

/** An event source, plus what the client that owns it does with it. */
export interface EventHub<C extends Contract> extends EventSource<C> {
  /** Delivers a received event: to `progress` (the emitting call's onProgress) first, then to every listener. */
  dispatch(message: EventMessage, progress: ((payload: unknown) => void) | undefined): void
  /** The worker is gone: every iterator ends. */
  close(): void
  /** How many events() iterators are waiting in next(). */
  readonly waiting: number
}

/**
 * Creates the event hub of a client.
 *
 * @example
 * ```ts
 * const hub = createEventHub(contract, () => codec)
 * hub.on('progress', (payload) => console.log(payload))
 * ```
 */
export function createEventHub<C extends Contract>(contract: C, codec: () => Codec, onWaitingChange: () => void): EventHub<C> {
  const listeners = new Map<string, Set<(payload: unknown) => void>>()
  let waitingIterators = 0
  let closed = false
  const closers = new Set<() => void>()

  function checkName(name: unknown, where: string): asserts name is string {
    if (typeof name !== 'string' || !Object.hasOwn(contract.events, name)) {
      throw new TypeError(`${where}: "${String(name)}" is not an event of the contract (it declares ${Object.keys(contract.events).map((n) => `"${n}"`).join(', ') || 'none'})`)
    }
  }

  function on(name: string, listener: (payload: unknown) => void): () => void {
    checkName(name, 'on(name, listener)')
    if (typeof listener !== 'function') throw new TypeError('on(name, listener): listener must be a function')
    let set = listeners.get(name)
    if (set === undefined) listeners.set(name, (set = new Set()))
    // A wrapper, so that the same function added twice is called twice and removed once per remover.
    const entry = (payload: unknown): void => listener(payload)
    set.add(entry)
    return () => {
      set.delete(entry)
    }
  }

  function events(name: string): AsyncIterableIterator<unknown> {
    checkName(name, 'events(name)')
    const buffer: unknown[] = []
    let pending: ((result: IteratorResult<unknown>) => void) | undefined
    const wake = (result: IteratorResult<unknown>): void => {
      const resolve = pending
      if (resolve === undefined) return
      pending = undefined
      waitingIterators--
      onWaitingChange()
      resolve(result)
    }
    let done = closed
    const finish = (): void => {
      if (done) return
      done = true
      stop()
      closers.delete(finish)
      buffer.length = 0
      wake({ done: true, value: undefined })
    }
    const stop = on(name, (payload) => {
      if (pending === undefined) buffer.push(payload)
      else wake({ done: false, value: payload })
    })
    if (done) stop()
    else closers.add(finish)
    const iterator: AsyncIterableIterator<unknown> = {
      [Symbol.asyncIterator]: () => iterator,
      next() {
        if (buffer.length > 0) return Promise.resolve({ done: false, value: buffer.shift() })
        if (done) return Promise.resolve({ done: true, value: undefined })
        if (pending !== undefined) return Promise.reject(new TypeError('events(): next() called again before the previous next() settled'))
        return new Promise((resolve) => {
          pending = resolve
          waitingIterators++
          onWaitingChange()
        })
      },
      return() {
        finish()
        return Promise.resolve({ done: true, value: undefined })
      },
    }
    return iterator
  }

  return {
    on: on as EventHub<C>['on'],
    events: events as EventHub<C>['events'],
    dispatch(message, progress) {
      if (!Object.hasOwn(contract.events, message.n)) {
        debug('dropped event "%s", which the contract does not declare', message.n)
        return
      }
      const set = listeners.get(message.n)
      if (progress === undefined && (set === undefined || set.size === 0)) return
      let payload: unknown
      try {
        payload = codec().decode(message, undefined, `payload of event "${message.n}"`)
      } catch (error) {
        debug('dropped event "%s": %o', message.n, error)
        return
      }
      if (progress !== undefined) deliver(progress, payload)
      if (set !== undefined) for (const listener of [...set]) deliver(listener, payload)
    },
    close() {
      closed = true
      for (const finish of [...closers]) finish()
    },
    get waiting() {
      return waitingIterators
    },
  }
}

function deliver(listener: (payload: unknown) => void, payload: unknown): void {
  try {
    listener(payload)
  } catch (error) {
    queueMicrotask(() => {
      throw error
    })
  }
}
