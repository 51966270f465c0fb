/**
 * The peer: one per side of a channel, the same for the parent and the worker. Its caller
 * side makes calls of one contract (the parent: the worker's procedures; a worker: the
 * parent's host procedures), its handler side runs the handlers of the other, its event hub
 * hears events and its emitter sends them. Every message in and out passes its link, so the
 * codec and the limits hold on every path.
 */
import { debug } from '../base/debug.js'
import { checkBoolean, checkLimit } from '../base/option-checks.js'
import { checkTimeout } from '../base/timeouts.js'
import type { Channel, CloseReason } from '../channel/channel.js'
import { errorRegistry } from '../codec/error-registry.js'
import type { Contract, ErrorClass } from '../contract/define-contract.js'
import type { EventDefinitions } from '../contract/event.js'
import type { Interceptors } from '../contract/interceptor-types.js'
import { AbortError } from '../errors/call-errors.js'
import { DEFAULT_MAX_MESSAGE_BYTES, DEFAULT_MAX_PENDING, type MessageLimitOptions } from '../protocol/limits.js'
import { MessageType, type ProtocolMessage } from '../protocol/messages.js'
import { isForkRpcMessage, readMessage } from '../protocol/read-message.js'
import { createCallObject } from './call-object.js'
import type { InheritedDeadline } from './call-options.js'
import { CallerSide } from './caller.js'
import { EventEmitter } from './event-emitter.js'
import { EventHub } from './event-hub.js'
import { HandlerSide } from './handler-side.js'
import { checkInterceptors } from './interceptors.js'
import { Link } from './link.js'

/**
 * How a peer is set up: its channel, its side, what it calls and handles, which events it
 * sends and hears, and its limits.
 */
export interface PeerOptions extends MessageLimitOptions {
  readonly channel: Channel
  /** Which side this is: the parent (which made the worker) or the worker. */
  readonly side: 'parent' | 'worker'
  /** The contract whose procedures this side calls, if any. */
  readonly calls: Contract | undefined
  /** The contract whose procedures this side handles, if any, and their handlers. */
  readonly handles: Contract | undefined
  readonly handlers: Readonly<Record<string, unknown>>
  /** The events this side sends (`notify` or `ctx.emit`) and those it hears. */
  readonly sends: EventDefinitions
  readonly hears: EventDefinitions
  /** The contract's error classes. */
  readonly errors: readonly ErrorClass[]
  /** The default timeout of this side's calls. */
  readonly timeout?: number | undefined
  /** Join the caller's frames to a failed call's stack (default true). */
  readonly callerStacks?: boolean | undefined
  /** Whether the channel's closing aborts the running handlers (default) or leaves them to the owner. */
  readonly abortRunningOnClose?: boolean | undefined
  /** Handshake and lifecycle messages (`h`, `hq`, `ha`, `s`, `o`), for the owner. */
  readonly lifecycle?: ((message: ProtocolMessage) => void) | undefined
  /** Every forkrpc message, once the peer has handled it (a pool watches `d`). */
  readonly observe?: ((message: ProtocolMessage) => void) | undefined
  /** Called after each handled call settles. */
  readonly settled?: (() => void) | undefined
  /** Around the calls this side makes, the handlers it runs and the events it hears. */
  readonly interceptors?: Interceptors | undefined
}

/** One side of a channel. */
export class Peer {
  readonly link: Link
  readonly caller: CallerSide
  readonly handler: HandlerSide
  readonly hub: EventHub
  readonly emitter: EventEmitter
  /** One function per procedure of the contract this side calls. */
  readonly call: Readonly<Record<string, (input?: unknown, options?: unknown) => unknown>>
  readonly #channel: Channel
  readonly #options: PeerOptions
  #held = false

  constructor(options: PeerOptions) {
    checkPeerOptions(options)
    const interceptors = checkInterceptors(options.interceptors, 'interceptors')
    const { channel } = options
    const maxPending = options.maxPending ?? DEFAULT_MAX_PENDING
    this.#channel = channel
    this.#options = options
    this.link = new Link(channel, errorRegistry(options.errors), options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES)
    this.caller = new CallerSide({ link: this.link, side: options.side, timeout: options.timeout, maxPending, sizeChanged: () => this.#hold(), interceptors: interceptors.call })
    this.hub = new EventHub(options.hears, this.link, maxPending, () => this.#hold(), interceptors.event)
    this.call = this.#callObject(undefined)
    this.emitter = new EventEmitter(options.sends, options.side === 'parent' ? 'notification' : 'event', this.link, () => (options.side === 'parent' ? this.caller.refusal : undefined))
    const emitter = this.emitter
    this.handler = new HandlerSide({
      link: this.link,
      contract: options.handles,
      handlers: options.handlers,
      maxPending,
      owner: {
        emit: (name, payload, id) => emitter.emit(name, payload, id),
        host: this.call as never,
        hostWithin: (deadline, procedure) => this.#callObject({ deadline, procedure }) as never,
      },
      settled: options.settled,
      interceptors: interceptors.handler,
    })
    channel.receive((received) => this.#receive(received))
    channel.onClose((reason) => this.close(reason))
    channel.keepAlive?.(false)
  }

  /** The call object of the contract this side calls; its calls inherit `deadline` if given (`ctx.host`). */
  #callObject(deadline: InheritedDeadline | undefined): Readonly<Record<string, (input?: unknown, options?: unknown) => unknown>> {
    const caller = this.caller
    return createCallObject(this.#options.calls ?? NO_CONTRACT, {
      call: (name, declared, input, callOptions) => caller.call(name, declared, input, callOptions, deadline),
      stream: (name, declared, input, callOptions) => caller.stream(name, declared, input, callOptions),
      joinsStacks: this.#options.callerStacks !== false,
    })
  }

  /** The channel is gone: calls fail with `reason`, iterators end, handlers abort (unless the owner keeps them). */
  close(reason: CloseReason): void {
    this.caller.close(reason)
    this.hub.close()
    if (this.#options.abortRunningOnClose !== false) this.handler.abortAll(new AbortError('The other side of the channel is gone'))
  }

  /** Calls, streams and event iterators keep this process alive through the channel, while any waits. */
  #hold(): void {
    const busy = this.caller.table.size + this.hub.waiting > 0
    if (busy === this.#held) return
    this.#held = busy
    this.#channel.keepAlive?.(busy)
  }

  #receive(received: unknown): void {
    const message = readMessage(received)
    if (message === undefined) return
    if (message === false) return debug('dropped a malformed message: %o', received)
    switch (message.t) {
      case MessageType.Result:
      case MessageType.Failure:
        this.caller.replied(message)
        break
      case MessageType.Request:
        this.handler.request(message)
        break
      case MessageType.Cancel:
        this.handler.cancel(message)
        break
      case MessageType.ResultChunks:
        this.caller.chunks(message)
        break
      case MessageType.ResultCredit:
        this.handler.resultCredit(message)
        break
      case MessageType.InputChunks:
        this.handler.inputChunks(message)
        break
      case MessageType.InputCredit:
        this.caller.inputCredit(message)
        break
      case MessageType.Settled:
        this.caller.settled(message)
        break
      case MessageType.Started:
        this.caller.started(message)
        break
      case MessageType.Event:
        this.hub.dispatch(message, message.i === undefined ? undefined : this.caller.table.get(message.i))
        break
      case MessageType.Batch:
        // IPC channels unpack batches themselves; one arriving on another channel is unpacked here.
        for (const inner of message.p) {
          if (isForkRpcMessage(inner) && inner.t !== MessageType.Batch) this.#receive(inner)
          else debug('dropped a message inside a batch that is not a forkrpc message: %o', inner)
        }
        return
      default:
        if (this.#options.lifecycle === undefined) debug('dropped a %s message, which is not for this side', message.t)
        else this.#options.lifecycle(message)
    }
    this.#options.observe?.(message)
  }
}

const NO_CONTRACT: Contract = Object.freeze({ procedures: {}, events: {}, host: {}, notifications: {}, errors: [], names: [] })

function checkPeerOptions(options: PeerOptions): void {
  checkTimeout(options.timeout, 'timeout')
  checkLimit(options.maxPending, 'maxPending')
  checkLimit(options.maxMessageBytes, 'maxMessageBytes')
  checkBoolean(options.callerStacks, 'callerStacks')
}
