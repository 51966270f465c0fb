/**
 * The events a peer sends: a worker's `ctx.emit` (the contract's `events`) and a parent's
 * `notify` (the contract's `notifications`), fire and forget, through the link's codec and
 * size limit.
 */
import type { CloseReason } from '../channel/channel.js'
import type { EventDefinitions } from '../contract/event.js'
import { MessageType, PROTOCOL_VERSION, type EventMessage } from '../protocol/messages.js'
import type { Link } from './link.js'

/** Sends the events one side may send. */
export class EventEmitter {
  readonly #events: EventDefinitions
  readonly #noun: 'event' | 'notification'
  readonly #link: Link
  readonly #refusal: () => CloseReason | undefined

  constructor(events: EventDefinitions, noun: 'event' | 'notification', link: Link, refusal: () => CloseReason | undefined) {
    this.#events = events
    this.#noun = noun
    this.#link = link
    this.#refusal = refusal
  }

  /**
   * Sends event `name`, from the handler of call `id` if given. Throws a TypeError for a name
   * the contract does not declare, the refusal's error once this side is closed, a
   * SerializationError for a payload that cannot be sent, and a PayloadTooLargeError for one
   * over `maxMessageBytes`.
   */
  emit(name: string, payload: unknown, id?: string): void {
    if (typeof name !== 'string' || !Object.hasOwn(this.#events, name)) {
      throw new TypeError(`${this.#noun === 'event' ? 'ctx.emit' : 'notify'}(name, payload): "${String(name)}" is not ${this.#noun === 'event' ? 'an event' : 'a notification'} of the contract`)
    }
    const refusal = this.#refusal()
    if (refusal !== undefined) throw refusal(name, false)
    const message = { $fr: PROTOCOL_VERSION, t: MessageType.Event, n: name } as EventMessage
    if (id !== undefined) message.i = id
    this.#link.sendEvent(message, payload, `payload of ${this.#noun} "${name}"`)
  }
}
