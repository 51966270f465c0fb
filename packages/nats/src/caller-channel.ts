/**
 * The caller's channel over NATS: it sends each request to the service subject (one
 * instance of the queue group takes it), learns from the instance's first message which
 * instance took the call, and sends the call's later messages there. It watches the
 * instances of running calls through their heartbeats, and settles a call itself, with a
 * synthetic failure reply, when no instance serves the subject or its instance is lost.
 * While the connection to NATS is down it holds what the caller writes (bounded) and sends
 * it once the connection is back.
 */
import { type Contract } from '@forkrpc/core'
import { CloseListeners, MessageType, PROTOCOL_VERSION, type Channel, type CloseReason } from '@forkrpc/core/channel'
import { createInbox, type Msg, type NatsConnection, type Subscription } from '@nats-io/transport-node'
import { connectionClosed, heldFull, lostError, timedOut, timeLeft, type Route } from './call-route.js'
import { watchStatus } from './connection-status.js'
import { NoRespondersError, type LostReason } from './errors.js'
import { HeldMessages, type Held } from './held-messages.js'
import { debug, HEARTBEAT_TOKEN, isTerminal, notifySubject, readBody } from './wire.js'

/** A message held while the connection is down: one of a call's (sent through its route), or a notification. */
type HeldMessage = (Held & { readonly call: string; readonly message: Record<string, unknown> }) | (Held & { readonly call: undefined; readonly body: string })

export interface CallerChannelSettings {
  readonly connection: NatsConnection
  readonly contract: Contract
  readonly subject: string
  /** A call whose instance was not heard from for this long is lost. */
  readonly heartbeatTimeout: number
  /** The most messages held while the connection is down. */
  readonly maxHeldMessages: number
  /** The most bytes (of JSON) held while the connection is down. */
  readonly maxHeldBytes: number
  /** The inbox prefix (default `_INBOX`). */
  readonly inboxPrefix?: string | undefined
}

/** The caller's side of a contract over NATS. */
export class CallerChannel implements Channel {
  readonly serialization = 'json' as const
  /** The caller's inbox: the calls' reply subjects are under it. */
  readonly inbox: string
  readonly #nc: NatsConnection
  readonly #contract: Contract
  readonly #subject: string
  readonly #timeout: number
  readonly #listeners = new Set<(message: unknown) => void>()
  readonly #closing = new CloseListeners()
  readonly #routes = new Map<string, Route>()
  readonly #byToken = new Map<string, Route>()
  /** When each instance was last heard from. */
  readonly #heard = new Map<string, number>()
  readonly #held: HeldMessages<HeldMessage>
  readonly #sub: Subscription
  readonly #stopWatching: () => void
  #seq = 0
  #timer: NodeJS.Timeout | undefined
  /** When the connection last came back: for `heartbeatTimeout` after it, a request nobody heard goes again. */
  #reconnectedAt = -Infinity
  #retries = 0
  /** A verdict on silent calls is pending (see #check). */
  #suspects = false

  constructor(settings: CallerChannelSettings) {
    this.#nc = settings.connection
    this.#contract = settings.contract
    this.#subject = settings.subject
    this.#timeout = settings.heartbeatTimeout
    this.#held = new HeldMessages({ maxMessages: settings.maxHeldMessages, maxBytes: settings.maxHeldBytes })
    this.inbox = createInbox(settings.inboxPrefix)
    const prefix = this.inbox.length + 1
    this.#sub = this.#nc.subscribe(`${this.inbox}.*`, { callback: (error, msg) => (error === null ? this.#arrived(msg, msg.subject.slice(prefix)) : debug('inbox subscription failed: %o', error)) })
    this.#stopWatching = watchStatus(this.#nc, {
      disconnect: () => this.#disconnected(),
      reconnect: () => this.#reconnected(),
      close: () => this.close(connectionClosed),
    })
    this.#nc.closed().then(
      () => this.close(connectionClosed),
      () => this.close(connectionClosed),
    )
  }

  /** Requests sent again to another instance (idempotent calls whose instance was lost). */
  get retries(): number {
    return this.#retries
  }

  /** Calls the channel routes: in flight, held, or cancelled and waiting for their handler to settle. */
  get routes(): number {
    return this.#routes.size
  }

  /** Messages held until the connection to NATS is back. */
  get held(): number {
    return this.#held.size
  }

  send(message: object): void {
    const m = message as Record<string, unknown>
    if (this.#closing.reason !== undefined) return
    switch (m.t) {
      case MessageType.Request:
        return this.#request(m)
      case MessageType.Cancel:
        return this.#cancel(m)
      case MessageType.ResultCredit:
      case MessageType.InputChunks:
        return this.#toInstance(m)
      case MessageType.Event:
        return this.#notify(m)
      default:
        debug('dropped a %s message, which has no destination over NATS', m.t)
    }
  }

  receive(listener: (message: unknown) => void): () => void {
    this.#listeners.add(listener)
    return () => this.#listeners.delete(listener)
  }

  onClose(listener: (reason: CloseReason) => void): void {
    this.#closing.add(listener)
  }

  /** Stops routing: held calls fail with `reason` (not sent), those in flight too; the inbox is unsubscribed (the connection is left open). */
  close(reason: CloseReason): void {
    if (this.#closing.reason !== undefined) return
    this.#held.close()
    for (const route of [...this.#routes.values()]) if (route.state !== 'sent') this.#settle(route, reason(route.procedure, false))
    this.#stopTimer()
    this.#routes.clear()
    this.#byToken.clear()
    this.#stopWatching()
    try {
      this.#sub.unsubscribe()
    } catch {}
    this.#closing.close(reason)
  }

  #request(m: Record<string, unknown>): void {
    const id = m.i as string
    const procedure = m.m as string
    const declared = Object.hasOwn(this.#contract.procedures, procedure) ? this.#contract.procedures[procedure] : undefined
    const idempotent = declared?.kind === 'procedure' && declared.idempotent === true
    const now = Date.now()
    const route: Route = { id, procedure, state: 'held', token: '', request: undefined, idempotent, madeAt: now, sentAt: now, instance: undefined, waiting: undefined, cancelled: false, attempts: 1 }
    if (this.#held.state === 'down') {
      const refused = this.#held.hold({ call: id, bytes: Buffer.byteLength(JSON.stringify(m)), message: m })
      if (refused !== undefined) return this.#later(failure(id, heldFull(`call "${procedure}"`, procedure, refused, refused === 'messages' ? this.#held.maxMessages : this.#held.maxBytes)))
      this.#routes.set(id, route)
      return
    }
    this.#routes.set(id, route)
    this.#dispatch(route, m)
  }

  /** Sends a call's request now, with what is left of its deadline; one whose deadline passed is not sent. */
  #dispatch(route: Route, request: Record<string, unknown>): void {
    const now = Date.now()
    const left = timeLeft(route, request, now)
    if (left !== undefined && left <= 0) return this.#settle(route, timedOut(route, request))
    route.state = 'sent'
    route.sentAt = now
    // Kept while it may go again: a retry (idempotent), or no instance yet after a reconnect.
    route.request = route.idempotent || now - this.#reconnectedAt < this.#timeout ? request : undefined
    this.#sendRequest(route, JSON.stringify(left === undefined || left === request.dl ? request : { ...request, dl: left }))
    this.#startTimer()
  }

  #sendRequest(route: Route, body: string): void {
    this.#byToken.delete(route.token)
    route.token = (++this.#seq).toString(36)
    route.instance = undefined
    this.#byToken.set(route.token, route)
    this.#publish(this.#subject, body, `${this.inbox}.${route.token}`)
  }

  /** The caller gave up on a call: a call no instance has is dropped here and settled (`d`); the instance of any other hears it. */
  #cancel(m: Record<string, unknown>): void {
    const route = this.#routes.get(m.i as string)
    if (route === undefined) return debug('dropped a cancel of call %s, which is not in flight', m.i)
    if (route.state === 'sent') return this.#toInstance(m)
    this.#held.drop(route.id)
    route.cancelled = true
    this.#forget(route)
    this.#later({ $fr: PROTOCOL_VERSION, t: MessageType.Settled, i: route.id })
  }

  /** Credit, input chunks or a cancel, for the instance running the call. */
  #toInstance(m: Record<string, unknown>): void {
    const route = this.#routes.get(m.i as string)
    if (route === undefined) return debug('dropped a %s message of call %s, which is not in flight', m.t, m.i)
    if (route.state === 'held') return this.#holdForCall(route, m)
    if (m.t === MessageType.Cancel) route.cancelled = true
    const body = JSON.stringify(m)
    if (route.instance === undefined) (route.waiting ??= []).push(body)
    else this.#publish(route.instance, body, `${this.inbox}.${route.token}`)
  }

  /** Holds a held call's later message behind its request; past the bound, the call fails (nothing of it was sent). */
  #holdForCall(route: Route, m: Record<string, unknown>): void {
    const refused = this.#held.hold({ call: route.id, bytes: Buffer.byteLength(JSON.stringify(m)), message: m })
    if (refused === undefined) return
    this.#held.drop(route.id)
    this.#forget(route)
    this.#later(failure(route.id, heldFull(`call "${route.procedure}"`, route.procedure, refused, refused === 'messages' ? this.#held.maxMessages : this.#held.maxBytes)))
  }

  /** A notification: to every instance, or held while the connection is down (past the bound, notify() throws). */
  #notify(m: Record<string, unknown>): void {
    const body = JSON.stringify(m)
    if (this.#held.state !== 'down') return this.#publish(notifySubject(this.#subject), body)
    const refused = this.#held.hold({ call: undefined, bytes: Buffer.byteLength(body), body })
    if (refused !== undefined) throw heldFull(`notification "${String(m.n)}"`, undefined, refused, refused === 'messages' ? this.#held.maxMessages : this.#held.maxBytes)
  }

  /** Publishes; a closed connection drops it (its close is reported to the peer). */
  #publish(subject: string, body: string | Uint8Array, reply?: string): void {
    try {
      this.#nc.publish(subject, body, reply === undefined ? undefined : { reply })
    } catch (error) {
      if (this.#nc.isClosed()) return debug('dropped a message to %s: the connection is closed', subject)
      throw error
    }
  }

  #arrived(msg: Msg, token: string): void {
    if (token === HEARTBEAT_TOKEN) {
      if (msg.reply !== undefined) this.#heard.set(msg.reply, Date.now())
      return
    }
    const route = this.#byToken.get(token)
    if (route === undefined) return debug('dropped a message for call token %s, which is not in flight', token)
    // 503: nobody listens where the message went. For a request, no instance serves the
    // subject; for a later message of a call, its instance is gone (or took a new subject).
    if (msg.data.length === 0 && msg.headers?.code === 503) return route.instance === undefined ? this.#noResponders(route) : this.#lost(route, 'gone')
    const instance = msg.reply
    if (instance !== undefined && instance !== '') this.#bind(route, instance)
    if (msg.data.length === 0) return // an acknowledgement
    const message = readBody(msg.data)
    if (message === undefined) return debug('dropped a malformed message for call %s', route.id)
    if (isTerminal(message.t)) this.#forget(route)
    this.#deliver(message)
  }

  /** The instance took the call: later messages go there. */
  #bind(route: Route, instance: string): void {
    this.#heard.set(instance, Date.now())
    if (route.instance !== undefined) return
    route.instance = instance
    if (!route.idempotent) route.request = undefined
    const waiting = route.waiting
    route.waiting = undefined
    if (waiting !== undefined) for (const body of waiting) this.#publish(instance, body, `${this.inbox}.${route.token}`)
  }

  /**
   * No instance heard the request. Just after a reconnect the instances may not be back
   * yet: within `heartbeatTimeout` of it the request goes again (nobody ran it) on the next
   * check; otherwise, or after, the call fails.
   */
  #noResponders(route: Route): void {
    if (route.request !== undefined && !route.cancelled && Date.now() - this.#reconnectedAt < this.#timeout) {
      debug('no instance heard call %s just after a reconnect: it goes again', route.id)
      route.state = 'resend'
      return
    }
    debug('no instance serves %s (call %s)', this.#subject, route.id)
    this.#settle(route, new NoRespondersError(`No instance serves "${this.#subject}" (NATS: no responders); call "${route.procedure}" was not run`, { subject: this.#subject, procedure: route.procedure }))
  }

  /** The call's instance is lost: an idempotent call is sent again once, any other fails. */
  #lost(route: Route, reason: LostReason): void {
    const instance = route.instance
    // If it is only slow (a blocked event loop), it stops the handler when it hears this.
    // (Not after this side's disconnect: nothing can be sent, and it would only be held.)
    if (instance !== undefined && reason !== 'disconnected') this.#publish(instance, JSON.stringify({ $fr: PROTOCOL_VERSION, t: MessageType.Cancel, i: route.id, r: 'a' }), `${this.inbox}.${route.token}`)
    const request = route.request
    if (request !== undefined && route.idempotent && route.attempts === 1 && !route.cancelled && reason !== 'disconnected' && (timeLeft(route, request, Date.now()) ?? Infinity) > 0) {
      debug('instance %s of call %s is lost (%s): retrying the idempotent call', instance, route.id, reason)
      route.attempts++
      this.#retries++
      return this.#dispatch(route, request)
    }
    debug('instance %s of call %s is lost (%s)', instance, route.id, reason)
    this.#settle(route, lostError(this.#subject, route, reason, this.#timeout))
  }

  /** Settles a call the transport failed: a failure reply, or `d` for one its caller gave up on already. */
  #settle(route: Route, error: Error): void {
    this.#forget(route)
    this.#deliver(route.cancelled ? { $fr: PROTOCOL_VERSION, t: MessageType.Settled, i: route.id } : failure(route.id, error))
  }

  #forget(route: Route): void {
    this.#routes.delete(route.id)
    this.#byToken.delete(route.token)
    if (this.#routes.size === 0) {
      this.#stopTimer()
      this.#heard.clear()
    }
  }

  #deliver(message: object): void {
    for (const listener of this.#listeners) listener(message)
  }

  /** Delivers after `send()` returned: a channel never answers inside it. */
  #later(message: object): void {
    queueMicrotask(() => this.#deliver(message))
  }

  #startTimer(): void {
    if (this.#timer !== undefined) return
    this.#timer = setInterval(() => this.#check(), Math.max(10, Math.floor(this.#timeout / 4)))
    this.#timer.unref()
  }

  #stopTimer(): void {
    clearInterval(this.#timer)
    this.#timer = undefined
  }

  /**
   * Requests that found no instance just after a reconnect go again; calls whose instance
   * was not heard from within the timeout are lost. The verdict waits for the check phase of
   * this turn of the event loop: timers run before I/O, so after this side's own loop was
   * blocked, acknowledgements and heartbeats that arrived meanwhile are read first, and a
   * busy caller does not mistake its own lag for a silent instance.
   */
  #check(): void {
    if (this.#held.state !== 'up' || this.#suspects) return
    const now = Date.now()
    const suspects: Route[] = []
    for (const route of [...this.#routes.values()]) {
      if (route.state === 'resend') this.#dispatch(route, route.request as Record<string, unknown>)
      else if (route.state === 'sent' && this.#silentFor(route, now) > this.#timeout) suspects.push(route)
    }
    if (suspects.length === 0) return
    this.#suspects = true
    setImmediate(() => {
      this.#suspects = false
      if (this.#held.state !== 'up') return
      const later = Date.now()
      for (const route of suspects) {
        if (this.#routes.get(route.id) !== route || route.state !== 'sent' || this.#silentFor(route, later) <= this.#timeout) continue
        this.#lost(route, route.instance === undefined ? 'unacknowledged' : 'silent')
      }
    })
  }

  /** How long the call's instance (or, before it acknowledged, the request) has been silent. */
  #silentFor(route: Route, now: number): number {
    if (route.instance === undefined) return now - route.sentAt
    return now - Math.max(this.#heard.get(route.instance) ?? 0, route.sentAt)
  }

  /** Messages of calls in flight may be lost on the way: they fail now (typed), rather than hang. What is written from now on is held. */
  #disconnected(): void {
    if (this.#held.state !== 'up') return
    this.#held.disconnect()
    const inFlight = [...this.#routes.values()].filter((route) => route.state === 'sent')
    debug('the connection to NATS dropped: %d calls in flight fail', inFlight.length)
    for (const route of inFlight) this.#lost(route, 'disconnected')
  }

  /** The connection is back: what was held goes out, in the order it was written; requests with what is left of their deadline. */
  #reconnected(): void {
    if (this.#held.state !== 'down') return
    this.#reconnectedAt = Date.now()
    const held = this.#held.reconnect()
    debug('the connection to NATS is back: sending %d held messages', held.length)
    for (const message of held) {
      if (message.call === undefined) {
        this.#publish(notifySubject(this.#subject), message.body)
        continue
      }
      const route = this.#routes.get(message.call)
      if (route === undefined) continue // settled meanwhile (its deadline passed)
      if (message.message.t === MessageType.Request) this.#dispatch(route, message.message)
      else this.#toInstance(message.message)
    }
    for (const route of [...this.#routes.values()]) if (route.state === 'resend') this.#dispatch(route, route.request as Record<string, unknown>)
  }
}

/** A failure reply of call `id`: a thrown value that is not a marshalled Error comes back as it is, the error itself. */
function failure(id: string, error: Error): object {
  return { $fr: PROTOCOL_VERSION, t: MessageType.Failure, i: id, v: { value: error } }
}
