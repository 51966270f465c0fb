/**
 * The serving instance's channel over NATS: it takes requests from the queue group, gives
 * each call a local id (call ids are unique per caller only), hears each call's later
 * messages on the instance's own subject, and sends everything about a call back to that
 * call's subject in its caller's inbox. It acknowledges every request it takes (unless the
 * call answered in the same turn of the event loop) and sends heartbeats to the callers of
 * running calls.
 */
import { ChannelClosedError } from '@forkrpc/core'
import { CloseListeners, MessageType, type Channel, type CloseReason } from '@forkrpc/core/channel'
import { createInbox, Empty, type Msg, type NatsConnection, type Subscription } from '@nats-io/transport-node'
import { watchStatus } from './connection-status.js'
import { debug, HEARTBEAT_TOKEN, isTerminal, notifySubject, readBody } from './wire.js'

/** A call this instance runs. */
interface Running {
  /** The call's subject in its caller's inbox. */
  readonly reply: string
  /** The caller's own call id. */
  readonly callerId: string
  readonly inbox: string
  /** Something was sent to the caller already (it knows this instance took the call). */
  acked: boolean
}

export interface ServingChannelSettings {
  readonly connection: NatsConnection
  readonly subject: string
  readonly queue: string
  /** How often the callers of running calls hear that this instance is alive, in ms. */
  readonly heartbeat: number
  /** The inbox prefix of the instance's own subject (default `_INBOX`). */
  readonly inboxPrefix?: string | undefined
  /** Called when the connection to NATS dropped: the running calls cannot be answered reliably. */
  readonly disconnected: () => void
}

/** The serving side of a contract over NATS. */
export class ServingChannel implements Channel {
  readonly serialization = 'json' as const
  readonly #nc: NatsConnection
  readonly #settings: ServingChannelSettings
  #listener: ((message: unknown) => void) | undefined
  readonly #closing = new CloseListeners()
  readonly #calls = new Map<string, Running>()
  readonly #byReply = new Map<string, string>()
  /** Running calls per caller inbox: the callers that get heartbeats. */
  readonly #callers = new Map<string, number>()
  #unacked: Running[] = []
  #ackScheduled = false
  #instance: string
  #instanceSub: Subscription
  readonly #queueSub: Subscription
  readonly #notifySub: Subscription
  readonly #stopWatching: () => void
  #heartbeat: NodeJS.Timeout | undefined
  #seq = 0

  constructor(settings: ServingChannelSettings) {
    this.#settings = settings
    this.#nc = settings.connection
    this.#queueSub = this.#nc.subscribe(settings.subject, { queue: settings.queue, callback: (error, msg) => (error === null ? this.#request(msg) : debug('request subscription failed: %o', error)) })
    this.#notifySub = this.#nc.subscribe(notifySubject(settings.subject), { callback: (error, msg) => (error === null ? this.#notification(msg) : debug('notification subscription failed: %o', error)) })
    this.#instance = createInbox(settings.inboxPrefix)
    this.#instanceSub = this.#subscribeInstance()
    this.#stopWatching = watchStatus(this.#nc, { disconnect: () => this.#disconnected() })
    this.#nc.closed().then(
      () => this.close(closedReason),
      () => this.close(closedReason),
    )
  }

  /** The instance's own subject (it changes after a reconnect). */
  get instance(): string {
    return this.#instance
  }

  /** Stops taking requests; calls already taken go on. Resolves once no request is on its way to this instance. */
  async stopTaking(): Promise<void> {
    try {
      this.#notifySub.unsubscribe()
      if (!this.#queueSub.isClosed()) await this.#queueSub.drain()
    } catch (error) {
      debug('draining the request subscription failed: %o', error)
    }
  }

  send(message: object): void {
    const m = message as Record<string, unknown>
    const id = m.i
    const call = typeof id === 'string' ? this.#calls.get(id) : undefined
    if (call === undefined) return debug('dropped a %s message of call %s, which is not running here', m.t, id)
    call.acked = true
    this.#publish(call.reply, JSON.stringify({ ...m, i: call.callerId }), this.#instance)
    if (isTerminal(m.t)) this.#finish(id as string, call)
  }

  receive(listener: (message: unknown) => void): () => void {
    this.#listener = listener
    return () => {
      if (this.#listener === listener) this.#listener = undefined
    }
  }

  onClose(listener: (reason: CloseReason) => void): void {
    this.#closing.add(listener)
  }

  /** Leaves for good: every subscription goes (the connection is left open). */
  close(reason: CloseReason): void {
    if (this.#closing.reason !== undefined) return
    clearInterval(this.#heartbeat)
    this.#heartbeat = undefined
    this.#stopWatching()
    for (const sub of [this.#queueSub, this.#notifySub, this.#instanceSub]) {
      try {
        sub.unsubscribe()
      } catch {}
    }
    this.#closing.close(reason)
  }

  #subscribeInstance(): Subscription {
    return this.#nc.subscribe(this.#instance, { callback: (error, msg) => (error === null ? this.#callMessage(msg) : debug('instance subscription failed: %o', error)) })
  }

  #request(msg: Msg): void {
    const reply = msg.reply
    const message = readBody(msg.data)
    if (reply === undefined || reply === '' || message?.t !== MessageType.Request || typeof message.i !== 'string') return debug('dropped a request that is not one')
    const id = (++this.#seq).toString(36)
    const call: Running = { reply, callerId: message.i, inbox: reply.slice(0, reply.lastIndexOf('.')), acked: false }
    this.#calls.set(id, call)
    this.#byReply.set(reply, id)
    this.#callers.set(call.inbox, (this.#callers.get(call.inbox) ?? 0) + 1)
    this.#unacked.push(call)
    if (!this.#ackScheduled) {
      this.#ackScheduled = true
      setImmediate(() => this.#acknowledge())
    }
    if (this.#heartbeat === undefined) {
      this.#heartbeat = setInterval(() => this.#beat(), this.#settings.heartbeat)
      this.#heartbeat.unref()
    }
    message.i = id
    this.#listener?.(message)
  }

  #callMessage(msg: Msg): void {
    const id = msg.reply === undefined ? undefined : this.#byReply.get(msg.reply)
    if (id === undefined) return debug('dropped a message for a call that is not running here')
    const message = readBody(msg.data)
    if (message === undefined) return debug('dropped a malformed message for call %s', id)
    message.i = id
    this.#listener?.(message)
  }

  #notification(msg: Msg): void {
    const message = readBody(msg.data)
    if (message?.t !== MessageType.Event) return debug('dropped a notification that is not one')
    delete message.i
    this.#listener?.(message)
  }

  /** Calls that have sent nothing yet in the turn they arrived in are acknowledged: the caller learns this instance took them. */
  #acknowledge(): void {
    this.#ackScheduled = false
    const calls = this.#unacked
    this.#unacked = []
    for (const call of calls) {
      if (call.acked || !this.#byReply.has(call.reply)) continue
      call.acked = true
      this.#publish(call.reply, Empty, this.#instance)
    }
  }

  #beat(): void {
    if (this.#callers.size === 0) {
      clearInterval(this.#heartbeat)
      this.#heartbeat = undefined
      return
    }
    for (const inbox of this.#callers.keys()) this.#publish(`${inbox}.${HEARTBEAT_TOKEN}`, Empty, this.#instance)
  }

  #finish(id: string, call: Running): void {
    this.#calls.delete(id)
    this.#byReply.delete(call.reply)
    const left = (this.#callers.get(call.inbox) ?? 1) - 1
    if (left === 0) this.#callers.delete(call.inbox)
    else this.#callers.set(call.inbox, left)
  }

  #publish(subject: string, body: string | Uint8Array, reply: string): void {
    try {
      this.#nc.publish(subject, body, { reply })
    } catch (error) {
      if (this.#nc.isClosed()) return debug('dropped a message to %s: the connection is closed', subject)
      throw error
    }
  }

  /**
   * Messages about running calls may have been lost on the way, either way: they are
   * forgotten (their callers fail them, typed), their handlers are told to stop, and the
   * instance takes a new subject, so that its callers never mistake it for the one that
   * ran their lost calls.
   */
  #disconnected(): void {
    debug('the connection to NATS dropped: %d running calls are given up', this.#calls.size)
    this.#calls.clear()
    this.#byReply.clear()
    this.#callers.clear()
    this.#unacked = []
    try {
      this.#instanceSub.unsubscribe()
    } catch {}
    this.#instance = createInbox(this.#settings.inboxPrefix)
    this.#instanceSub = this.#subscribeInstance()
    this.#settings.disconnected()
  }
}

const closedReason: CloseReason = (procedure) => new ChannelClosedError('The NATS connection closed', { procedure })
