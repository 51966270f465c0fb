/**
 * A Channel is the one thing a peer needs from a transport: a way to send a message, a way
 * to hear messages, and word of when the other side is gone. The
 * fork transport, `connect()`, `spawnThread()`, `messagePortChannel()` and the in-memory
 * test pair each provide one; so can anything that carries messages both ways (an Electron
 * utility process, a WebSocket, a Unix socket with a framing of your choice).
 *
 * What an implementation must guarantee:
 * - messages arrive in the order they were sent, each once, asynchronously (never inside
 *   `send()`);
 * - `serialization` says what survives the trip: `json` (the message after
 *   JSON.stringify/parse; forkrpc then encodes Dates, Maps, BigInts, ... itself) or
 *   `advanced` (the structured clone algorithm: values travel as they are);
 * - `send()` throws only for a message it cannot serialize (or a `ForkRpcError` of its own
 *   refusing a request or an event, see `send`), and is a silent no-op once the
 *   peer is gone; the close listener is called once, when the peer is gone for good, and
 *   at once if it already is;
 * - `receive()` listeners hear every message, forkrpc's and anyone else's (forkrpc ignores
 *   messages without its `$fr` key).
 */
import type { Serialization } from '../protocol/payload.js'

/**
 * Builds the error that a call rejects with once the channel is gone: `procedure` is the
 * call's procedure, and `inFlight` says whether the call had been sent before (true) or
 * was made afterwards (false).
 *
 * @example
 * ```ts
 * const reason: CloseReason = (procedure, inFlight) => new ChannelClosedError(inFlight ? `the port closed before "${procedure}" returned` : 'the port is closed', { procedure })
 * ```
 */
export type CloseReason = (procedure: string | undefined, inFlight: boolean) => Error

/**
 * A duplex message channel between two peers (a parent and its worker).
 *
 * @remarks
 * An implementation must deliver messages in order, each once, asynchronously; `send()` throws
 * only for a message it cannot serialize (or reports it later to `onUnsendable`, never both) and
 * is a no-op once the peer is gone. It may also refuse a request or an event with a `ForkRpcError`
 * of its own (a transport's full buffer, such as `@forkrpc/nats`'s `TooManyHeldMessagesError`):
 * the call rejects with it, `notify()` throws it, as it is.
 *
 * @example
 * ```ts
 * const channel: Channel = {
 *   serialization: 'json',
 *   send: (message) => port.postMessage(message),
 *   receive: (listener) => port.on('message', listener),
 *   onClose: (listener) => port.on('close', () => listener((procedure) => new ChannelClosedError('the port closed', { procedure }))),
 * }
 * ```
 */
export interface Channel {
  /** How messages are serialized on this channel; decides the payload codec. */
  readonly serialization: Serialization
  /**
   * Sends one message. A message that cannot be serialized makes it throw synchronously,
   * or, on a channel that queues messages to coalesce them (the fork channel), is
   * reported later to `onUnsendable`; never both. A send to a peer that is gone must not
   * throw (the close listener reports that). A channel may also refuse a request or an
   * event by throwing a `ForkRpcError` of its own (a transport's full buffer): the call
   * rejects with it, `notify()` throws it, as it is.
   */
  send(message: object, onUnsendable?: (error: unknown, message: object) => void): void
  /** Adds a listener for every received message (forkrpc's and anything else); returns its remover. */
  receive(listener: (message: unknown) => void): () => void
  /** Registers the listener called once when the peer is gone for good. */
  onClose(listener: (reason: CloseReason) => void): void
  /**
   * Optional: whether the channel should keep this process's event loop alive. The peer
   * says true while calls are in flight and false when it is idle.
   */
  keepAlive?(active: boolean): void
  /**
   * Optional, for a channel that holds messages back to write them together: writes what it
   * holds now. A worker calls it before a handler that may block (after one that did), so
   * that what it sent meanwhile does not wait for that handler too.
   */
  flush?(): void
}

/**
 * The close listeners of a channel: each called once, when the channel closes, or at once
 * when it already has.
 *
 * @example
 * ```ts
 * const closing = new CloseListeners()
 * const channel = { ..., onClose: (listener) => closing.add(listener) }
 * closing.close((procedure) => new ChannelClosedError(`closed; call "${procedure}" was not sent`))
 * ```
 */
export class CloseListeners {
  #listeners: Array<(reason: CloseReason) => void> = []
  #reason: CloseReason | undefined

  /** Why the channel closed, once it has. */
  get reason(): CloseReason | undefined {
    return this.#reason
  }

  /** Adds a listener, called once with the reason the channel closed (at once if it already has). */
  add(listener: (reason: CloseReason) => void): void {
    if (this.#reason === undefined) this.#listeners.push(listener)
    else listener(this.#reason)
  }

  /** Closes the channel (once): every listener hears `reason`. */
  close(reason: CloseReason): void {
    if (this.#reason !== undefined) return
    this.#reason = reason
    for (const listener of this.#listeners.splice(0)) listener(reason)
  }
}
