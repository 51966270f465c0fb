/**
 * The worker's part of the handshake and of its lifecycle: announce the served procedures
 * (`h`, again on `hq`), take the parent's ack (`ha`: the channel's serialization, memory
 * limits, whether it leads on SIGTERM), report going over a memory limit (`o`) once, and
 * hear the shutdown request (`s`).
 */
import { debug } from '../base/debug.js'
import type { Channel } from '../channel/channel.js'
import type { Contract } from '../contract/define-contract.js'
import { MessageType, PROTOCOL_VERSION, type MemoryLimits, type ProtocolMessage, type ReadyAckMessage, type ReadyMessage } from '../protocol/messages.js'
import type { HandlerSide } from '../rpc/handler-side.js'
import type { Link } from '../rpc/link.js'

/** What the lifecycle tells its owner. */
export interface LifecycleHooks {
  /** The parent asked the worker to shut down (`s`). */
  shutdownRequested(): void
  /** The parent accepted the handshake (`ha`). */
  acked?(ack: ReadyAckMessage): void
}

export class WorkerLifecycle {
  readonly #contract: Contract
  readonly #channel: Channel
  readonly #hooks: LifecycleHooks
  #peer: { readonly link: Link; readonly handler: HandlerSide } | undefined
  #memoryLimits: MemoryLimits | undefined
  readonly #inspectorUrl: string | undefined

  constructor(contract: Contract, channel: Channel, hooks: LifecycleHooks, inspectorUrl?: string) {
    this.#contract = contract
    this.#channel = channel
    this.#hooks = hooks
    this.#inspectorUrl = inspectorUrl
  }

  /** The peer (made after this): the ack may change its codec and limit its handlers. */
  attach(peer: { readonly link: Link; readonly handler: HandlerSide }): void {
    this.#peer = peer
  }

  /** Tells the parent this worker is ready, serving the contract's procedures. */
  announce(): void {
    const ready: ReadyMessage = { $fr: PROTOCOL_VERSION, t: MessageType.Ready, n: [...this.#contract.names] }
    if (this.#inspectorUrl !== undefined) ready.iu = this.#inspectorUrl
    this.#channel.send(ready)
  }

  handle(message: ProtocolMessage): void {
    switch (message.t) {
      case MessageType.ReadyQuery:
        return this.announce()
      case MessageType.ReadyAck:
        this.#peer?.link.useSerialization(message.s)
        if (message.c !== undefined) this.#peer?.handler.limitConcurrency(message.c)
        this.#memoryLimits = message.l
        this.#hooks.acked?.(message)
        return
      case MessageType.Shutdown:
        debug('the parent asked this worker to shut down')
        return this.#hooks.shutdownRequested()
      case MessageType.Ping:
        return this.#channel.send({ $fr: PROTOCOL_VERSION, t: MessageType.Pong, n: message.n })
      default:
        debug('dropped a %s message, which is not for a worker', message.t)
    }
  }

  /** After each call: tells the parent (once) that this worker is over a limit, so that a pool recycles it. */
  checkMemory(): void {
    const limits = this.#memoryLimits
    if (limits === undefined) return
    const { heapUsed, rss } = process.memoryUsage()
    if ((limits.hb === undefined || heapUsed <= limits.hb) && (limits.rb === undefined || rss <= limits.rb)) return
    debug('over the memory limit: heap used %d, rss %d', heapUsed, rss)
    this.#memoryLimits = undefined
    this.#channel.send({ $fr: PROTOCOL_VERSION, t: MessageType.OverLimit, hb: heapUsed, rb: rss })
  }
}
