/**
 * The peer's link to its channel: every message in and out passes here, so that the codec
 * and `maxMessageBytes` apply to every kind of message in both directions. Outgoing payloads
 * are encoded and measured before anything is sent (plain JSON data in the one walk that
 * checks it); incoming ones are measured before they are decoded.
 */
import type { Channel } from '../channel/channel.js'
import type { Codec } from '../codec/codec.js'
import { createCodec } from '../codec/create-codec.js'
import { checkCloneable, sendFailure } from '../codec/encodable.js'
import { marshalThrown, type MarshalledThrow } from '../codec/error-marshalling.js'
import { unmarshalThrown, type UnmarshalContext } from '../codec/error-rebuild.js'
import type { ErrorRegistry } from '../codec/error-registry.js'
import { debug } from '../base/debug.js'
import { payloadTooLarge } from '../errors/call-errors.js'
import { ForkRpcError } from '../errors/forkrpc-error.js'
import { sizeChecker, type SizeCheck } from '../protocol/limits.js'
import type { PayloadFields, Serialization } from '../protocol/payload.js'

/**
 * What a message refused by the channel's own serializer after `send()` returned (a batching
 * channel) is reported to.
 */
export type LateRefusal = (error: unknown) => void

/** A peer's channel, with the codec and the size limit. */
export class Link {
  readonly channel: Channel
  readonly errors: ErrorRegistry
  readonly maxMessageBytes: number
  #codec: Codec
  #serialization: Serialization
  #oversize: SizeCheck | undefined

  constructor(channel: Channel, errors: ErrorRegistry, maxMessageBytes: number) {
    this.channel = channel
    this.errors = errors
    this.maxMessageBytes = maxMessageBytes
    this.#codec = createCodec(channel.serialization, errors)
    this.#serialization = channel.serialization
    this.#oversize = sizeChecker(channel.serialization, maxMessageBytes)
  }

  /** The channel turned out to carry `serialization` (a worker learns it from the ready ack). */
  useSerialization(serialization: Serialization): void {
    this.#codec = createCodec(serialization, this.errors)
    this.#serialization = serialization
    this.#oversize = sizeChecker(serialization, this.maxMessageBytes)
  }

  /** Sends a message that carries no payload (credit, cancel, ...): it cannot fail to encode. */
  send(message: object): void {
    try {
      this.channel.send(message)
    } catch (error) {
      debug('could not send a %s message: %o', (message as { t?: unknown }).t, error)
    }
  }

  /**
   * Writes `value` into `message` and checks its size; throws SerializationError (it cannot
   * be encoded) or PayloadTooLargeError (over `maxMessageBytes`). Nothing is sent.
   */
  encode(message: PayloadFields, value: unknown, procedure: string | undefined, role: string): void {
    const payloadBytes = this.#codec.encodeInto(message, value, procedure, role)
    const bytes = this.#oversize?.(message, payloadBytes >= 0 ? payloadBytes : undefined)
    if (bytes !== undefined) throw payloadTooLarge(procedure, role, bytes, this.maxMessageBytes)
  }

  /**
   * Sends an encoded message. If the channel's serializer refuses it at once, this throws a
   * SerializationError naming where the culprit is in `value`; if it refuses it later (a
   * batching channel), `onLateRefusal` hears that error. A forkrpc error the channel throws
   * (a transport's own typed refusal, such as a full buffer) passes as it is.
   */
  transmit(message: object, value: unknown, procedure: string | undefined, role: string, onLateRefusal?: LateRefusal): void {
    try {
      this.channel.send(message, onLateRefusal === undefined ? undefined : (error) => onLateRefusal(sendFailure(error, procedure, role, value)))
    } catch (error) {
      throw error instanceof ForkRpcError ? error : sendFailure(error, procedure, role, value)
    }
  }

  /**
   * {@link transmit} for a message whose late refusal goes to one listener shared by many
   * messages (`refused` gets the channel's error and the message), so that a message on the
   * hot path costs no closure of its own; `refused` calls {@link sendFailure} itself.
   */
  transmitShared(message: object, value: unknown, procedure: string | undefined, role: string, refused: (error: unknown, message: object) => void): void {
    try {
      this.channel.send(message, refused)
    } catch (error) {
      throw error instanceof ForkRpcError ? error : sendFailure(error, procedure, role, value)
    }
  }

  /** {@link encode}, then {@link transmit}. */
  sendPayload(message: PayloadFields, value: unknown, procedure: string | undefined, role: string, onLateRefusal?: LateRefusal): void {
    this.encode(message, value, procedure, role)
    this.transmit(message, value, procedure, role, onLateRefusal)
  }

  /**
   * {@link sendPayload} for an event or a notification, which has no call to fail later: on
   * `advanced` the value is cloned once first, so that what the channel would refuse only
   * when it writes its batch throws here, as it does on `json`.
   */
  sendEvent(message: PayloadFields, value: unknown, role: string): void {
    this.encode(message, value, undefined, role)
    if (this.#serialization === 'advanced' && value !== undefined) checkCloneable(value, role)
    this.transmit(message, value, undefined, role)
  }

  /**
   * Reads the payload of an arrived message; throws PayloadTooLargeError (over
   * `maxMessageBytes`: it is not decoded) or SerializationError (it cannot be decoded).
   */
  receive(message: PayloadFields, procedure: string | undefined, role: string): unknown {
    const bytes = this.#oversize?.(message)
    if (bytes !== undefined) throw payloadTooLarge(procedure, role, bytes, this.maxMessageBytes)
    return this.#codec.decode(message, procedure, role)
  }

  /** A thrown value as plain data for the channel. */
  marshal(thrown: unknown): MarshalledThrow {
    return marshalThrown(thrown, this.errors)
  }

  /** A marshalled thrown value as an Error again (or the thrown non-Error value). */
  unmarshal(data: unknown, context: UnmarshalContext): unknown {
    return unmarshalThrown(data, this.errors, context)
  }
}
