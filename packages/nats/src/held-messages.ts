/**
 * What a caller holds while its connection to NATS is down, in the order it was written,
 * within a bound of messages and of bytes. The NATS client cannot be asked to: on every
 * attempt to reconnect, @nats-io/nats-core 3.x empties its outbound buffer
 * (`ProtocolHandler.prepare()` calls `resetOutbound()`), so whatever was published while
 * down is lost without a word.
 */

/** A held message: the call it belongs to (none for a notification) and its size. */
export interface Held {
  readonly call: string | undefined
  readonly bytes: number
}

/**
 * The state of the connection as the caller knows it: `up` (messages go out), `down`
 * (they are held), `closed` (for good: nothing goes out again).
 */
export type ConnectionState = 'up' | 'down' | 'closed'

/**
 * The bounded, ordered buffer of held messages, and the connection state that decides
 * whether messages are held.
 */
export class HeldMessages<T extends Held> {
  readonly maxMessages: number
  readonly maxBytes: number
  #state: ConnectionState = 'up'
  #queue: T[] = []
  /** Held messages per call: what dropping the call takes off the bound. */
  readonly #perCall = new Map<string, { count: number; bytes: number }>()
  /** Calls dropped whose messages are still in the queue (taken out lazily). */
  readonly #dropped = new Set<string>()
  #size = 0
  #bytes = 0

  constructor(limits: { maxMessages: number; maxBytes: number }) {
    this.maxMessages = limits.maxMessages
    this.maxBytes = limits.maxBytes
  }

  get state(): ConnectionState {
    return this.#state
  }

  get size(): number {
    return this.#size
  }

  get bytes(): number {
    return this.#bytes
  }

  /** Holds `message`, or says which limit it would pass (and holds nothing). */
  hold(message: T): 'messages' | 'bytes' | undefined {
    if (this.#size + 1 > this.maxMessages) return 'messages'
    if (this.#bytes + message.bytes > this.maxBytes) return 'bytes'
    this.#queue.push(message)
    this.#size++
    this.#bytes += message.bytes
    if (message.call !== undefined) {
      const tally = this.#perCall.get(message.call)
      if (tally === undefined) this.#perCall.set(message.call, { count: 1, bytes: message.bytes })
      else {
        tally.count++
        tally.bytes += message.bytes
      }
    }
    return undefined
  }

  /** Drops every held message of `call` (it was cancelled, or failed). */
  drop(call: string): void {
    const tally = this.#perCall.get(call)
    if (tally === undefined) return
    this.#perCall.delete(call)
    this.#size -= tally.count
    this.#bytes -= tally.bytes
    this.#dropped.add(call)
    // The queue keeps at most as many dropped messages as live ones: dropping stays O(1) on average.
    if (this.#queue.length > 2 * this.#size + 16) {
      this.#queue = this.#live()
      this.#dropped.clear()
    }
  }

  /** The connection dropped: messages are held from now on. */
  disconnect(): void {
    if (this.#state === 'up') this.#state = 'down'
  }

  /** The connection is back: returns what was held, in order, and holds nothing more. */
  reconnect(): T[] {
    if (this.#state !== 'down') return []
    this.#state = 'up'
    return this.#takeAll()
  }

  /** The connection closed for good: returns what was held (never to be sent). */
  close(): T[] {
    this.#state = 'closed'
    return this.#takeAll()
  }

  #takeAll(): T[] {
    const live = this.#live()
    this.#queue = []
    this.#perCall.clear()
    this.#dropped.clear()
    this.#size = 0
    this.#bytes = 0
    return live
  }

  #live(): T[] {
    return this.#dropped.size === 0 ? this.#queue : this.#queue.filter((message) => message.call === undefined || !this.#dropped.has(message.call))
  }
}
