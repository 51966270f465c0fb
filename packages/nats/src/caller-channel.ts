/**
 * The caller's channel over NATS: it sends each request to the service subject (one
 * instance of the queue group takes it), learns from the instance's first message which
 * instance took the call, and sends the call's later messages there. It watches the
 * instances of running calls through their heartbeats, and settles a call itself, with a
 * synthetic failure reply, when no instance serves the subject or its instance is lost.
 */
import { ChannelClosedError, type Contract } from '@forkrpc/core'
import { CloseListeners, MessageType, PROTOCOL_VERSION, type Channel, type CloseReason } from '@forkrpc/core/channel'
import { createInbox, type Msg, type NatsConnection, type Subscription } from '@nats-io/transport-node'
import { InstanceLostError, NoRespondersError, type LostReason } from './errors.js'
import { debug, HEARTBEAT_TOKEN, isTerminal, notifySubject, readBody } from './wire.js'

/** One call in flight, as the channel routes it. */
interface Route {
  /** The caller's call id. */
  readonly id: string
  readonly procedure: string
  /** The token of its current attempt: its reply subject is `<inbox>.<token>`. */
  token: string
  /** The request, kept while the call may be retried (idempotent procedures). */
  readonly request: Record<string, unknown> | undefined
  readonly firstSent: number
  /** When the current attempt was sent, or the clock restarted (a reconnect). */
  sentAt: number
  /** The instance's subject, once it has said it took the call. */
  instance: string | undefined
  /** Messages for the instance that wait for it to be known. */
  waiting: string[] | undefined
  /** The caller gave up on it (a cancel was sent): what it waits for is the `d`. */
  cancelled: boolean
  attempts: number
}

/**
 * Settings of a {@link CallerChannel}.
 *
 * @example
 * ```ts
 * const settings: CallerChannelSettings = { connection: nc, contract: math, subject: 'math', heartbeatTimeout: 3_000 }
 * ```
 */
export interface CallerChannelSettings {
  readonly connection: NatsConnection
  readonly contract: Contract
  readonly subject: string
  /** A call whose instance was not heard from for this long is lost. */
  readonly heartbeatTimeout: number
  /** The inbox prefix (default `_INBOX`). */
  readonly inboxPrefix?: string | undefined
}

/**
 * The caller's side of a contract over NATS.
 *
 * @example
 * ```ts
 * const channel = new CallerChannel({ connection: nc, contract: math, subject: 'math', heartbeatTimeout: 3_000 })
 * const client = createClient(math, channel)
 * ```
 */
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
  readonly #sub: Subscription
  readonly #status: AsyncIterable<unknown>
  #seq = 0
  #timer: NodeJS.Timeout | undefined
  #connected = true
  #retries = 0
  /** A verdict on silent calls is pending (see #check). */
  #suspects = false

  constructor(settings: CallerChannelSettings) {
    this.#nc = settings.connection
    this.#contract = settings.contract
    this.#subject = settings.subject
    this.#timeout = settings.heartbeatTimeout
    this.inbox = createInbox(settings.inboxPrefix)
    const prefix = this.inbox.length + 1
    this.#sub = this.#nc.subscribe(`${this.inbox}.*`, { callback: (error, msg) => (error === null ? this.#arrived(msg, msg.subject.slice(prefix)) : debug('inbox subscription failed: %o', error)) })
    this.#status = this.#nc.status()
    void this.#watchStatus()
    this.#nc.closed().then(
      () => this.close(connectionClosed),
      () => this.close(connectionClosed),
    )
  }

  /** Requests sent again to another instance (idempotent calls whose instance was lost). */
  get retries(): number {
    return this.#retries
  }

  /** Calls the channel routes: in flight, or cancelled and waiting for their handler to settle. */
  get routes(): number {
    return this.#routes.size
  }

  send(message: object): void {
    const m = message as Record<string, unknown>
    if (this.#closing.reason !== undefined) return
    switch (m.t) {
      case MessageType.Request:
        return this.#request(m)
      case MessageType.Cancel:
      case MessageType.ResultCredit:
      case MessageType.InputChunks:
        return this.#toInstance(m)
      case MessageType.Event:
        return this.#publish(notifySubject(this.#subject), JSON.stringify(m))
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

  /** Stops routing: calls still in flight fail with `reason`; the inbox is unsubscribed (the connection is left open). */
  close(reason: CloseReason): void {
    if (this.#closing.reason !== undefined) return
    this.#stopTimer()
    this.#routes.clear()
    this.#byToken.clear()
    ;(this.#status as { stop?: () => void }).stop?.()
    try {
      this.#sub.unsubscribe()
    } catch {}
    this.#closing.close(reason)
  }

  #request(m: Record<string, unknown>): void {
    const id = m.i as string
    const procedure = m.m as string
    const declared = Object.hasOwn(this.#contract.procedures, procedure) ? this.#contract.procedures[procedure] : undefined
    const retryable = declared?.kind === 'procedure' && declared.idempotent
    const now = Date.now()
    const route: Route = { id, procedure, token: '', request: retryable ? m : undefined, firstSent: now, sentAt: now, instance: undefined, waiting: undefined, cancelled: false, attempts: 1 }
    this.#routes.set(id, route)
    this.#sendRequest(route, JSON.stringify(m))
    this.#startTimer()
  }

  #sendRequest(route: Route, body: string): void {
    route.token = (++this.#seq).toString(36)
    route.instance = undefined
    this.#byToken.set(route.token, route)
    this.#publish(this.#subject, body, `${this.inbox}.${route.token}`)
  }

  #toInstance(m: Record<string, unknown>): void {
    const route = this.#routes.get(m.i as string)
    if (route === undefined) return debug('dropped a %s message of call %s, which is not in flight', m.t, m.i)
    if (m.t === MessageType.Cancel) route.cancelled = true
    const body = JSON.stringify(m)
    if (route.instance === undefined) (route.waiting ??= []).push(body)
    else this.#publish(route.instance, body, `${this.inbox}.${route.token}`)
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
    const waiting = route.waiting
    route.waiting = undefined
    if (waiting !== undefined) for (const body of waiting) this.#publish(instance, body, `${this.inbox}.${route.token}`)
  }

  #noResponders(route: Route): void {
    debug('no instance serves %s (call %s)', this.#subject, route.id)
    this.#settle(route, new NoRespondersError(`No instance serves "${this.#subject}" (NATS: no responders); call "${route.procedure}" was not run`, { subject: this.#subject, procedure: route.procedure }))
  }

  /** The call's instance is lost: an idempotent call is sent again once, any other fails. */
  #lost(route: Route, reason: LostReason): void {
    const instance = route.instance
    // If it is only slow (a blocked event loop), it stops the handler when it hears this.
    if (instance !== undefined) this.#publish(instance, JSON.stringify({ $fr: PROTOCOL_VERSION, t: MessageType.Cancel, i: route.id, r: 'a' }), `${this.inbox}.${route.token}`)
    const now = Date.now()
    const request = route.request
    if (request !== undefined && route.attempts === 1 && !route.cancelled && reason !== 'disconnected') {
      const left = typeof request.dl === 'number' ? request.dl - (now - route.firstSent) : Infinity
      if (left > 0) {
        debug('instance %s of call %s is lost (%s): retrying the idempotent call', instance, route.id, reason)
        this.#byToken.delete(route.token)
        route.attempts++
        route.sentAt = now
        this.#retries++
        this.#sendRequest(route, JSON.stringify(left === Infinity ? request : { ...request, dl: left }))
        return
      }
    }
    debug('instance %s of call %s is lost (%s)', instance, route.id, reason)
    this.#settle(route, lostError(this.#subject, route, reason, this.#timeout))
  }

  /** Settles a call the transport failed: a failure reply, or `d` for one its caller gave up on already. */
  #settle(route: Route, error: Error): void {
    this.#forget(route)
    if (route.cancelled) return this.#deliver({ $fr: PROTOCOL_VERSION, t: MessageType.Settled, i: route.id })
    // A thrown value that is not a marshalled Error comes back as it is: the error itself.
    this.#deliver({ $fr: PROTOCOL_VERSION, t: MessageType.Failure, i: route.id, v: { value: error } })
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
   * Calls whose instance was not heard from within the timeout are lost. The verdict waits
   * for the check phase of this turn of the event loop: timers run before I/O, so after this
   * side's own loop was blocked, acknowledgements and heartbeats that arrived meanwhile are
   * read first, and a busy caller does not mistake its own lag for a silent instance.
   */
  #check(): void {
    if (!this.#connected || this.#suspects) return
    const now = Date.now()
    const suspects: Route[] = []
    for (const route of this.#routes.values()) if (this.#silentFor(route, now) > this.#timeout) suspects.push(route)
    if (suspects.length === 0) return
    this.#suspects = true
    setImmediate(() => {
      this.#suspects = false
      if (!this.#connected) return
      const later = Date.now()
      for (const route of suspects) {
        if (this.#routes.get(route.id) !== route || this.#silentFor(route, later) <= this.#timeout) continue
        this.#lost(route, route.instance === undefined ? 'unacknowledged' : 'silent')
      }
    })
  }

  /** How long the call's instance (or, before it acknowledged, the request) has been silent. */
  #silentFor(route: Route, now: number): number {
    if (route.instance === undefined) return now - route.sentAt
    return now - Math.max(this.#heard.get(route.instance) ?? 0, route.sentAt)
  }

  async #watchStatus(): Promise<void> {
    try {
      for await (const status of this.#status) {
        const type = (status as { type: string }).type
        if (type === 'disconnect') this.#disconnected()
        else if (type === 'reconnect') this.#reconnected()
      }
    } catch (error) {
      debug('status iterator failed: %o', error)
    }
  }

  /** Messages of calls in flight may be lost on the way: they fail now (typed), rather than hang. */
  #disconnected(): void {
    this.#connected = false
    debug('the connection to NATS dropped: %d calls in flight fail', this.#routes.size)
    for (const route of [...this.#routes.values()]) this.#lost(route, 'disconnected')
  }

  /** Calls made while disconnected were held by the client; their clocks start now. */
  #reconnected(): void {
    this.#connected = true
    const now = Date.now()
    for (const route of this.#routes.values()) route.sentAt = now
  }
}

const connectionClosed: CloseReason = (procedure, inFlight) =>
  new ChannelClosedError(inFlight ? `The NATS connection closed before call "${procedure}" returned` : `The NATS connection is closed; call "${procedure}" was not sent`, { procedure })

function lostError(subject: string, route: Route, reason: LostReason, timeout: number): InstanceLostError {
  const call = `call "${route.procedure}"`
  const message =
    reason === 'disconnected'
      ? `The connection to NATS dropped while ${call} was in flight; it may or may not have run`
      : reason === 'unacknowledged'
        ? `No instance serving "${subject}" acknowledged ${call} within ${timeout} ms; it may or may not have run`
        : reason === 'gone'
          ? `The instance serving "${subject}" that ran ${call} is gone (nobody listens on its subject any more: it exited, or took a new subject after a reconnect); it may or may not have finished`
          : `The instance serving "${subject}" that ran ${call} sent no heartbeat for ${timeout} ms (killed, cut off, or its event loop blocked); it may or may not have finished`
  return new InstanceLostError(message, { subject, instance: route.instance, reason, procedure: route.procedure })
}
