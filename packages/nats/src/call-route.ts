/**
 * A call as the caller's channel routes it, and the errors the channel settles calls with
 * when the transport, not the handler, failed them.
 */
import { ChannelClosedError, TimeoutError } from '@forkrpc/core'
import type { CloseReason } from '@forkrpc/core/channel'
import { InstanceLostError, TooManyHeldMessagesError, type LostReason } from './errors.js'

/**
 * Where a call's request is: `held` (the connection is down: it waits in the held buffer),
 * `resend` (NATS said no instance was there just after a reconnect: it goes again, nobody
 * ran it), or `sent` (an instance may have it).
 */
export type RouteState = 'held' | 'resend' | 'sent'

/** One call in flight, as the caller's channel routes it. */
export interface Route {
  readonly id: string
  readonly procedure: string
  state: RouteState
  /** The token of its current attempt: its reply subject is `<inbox>.<token>`. */
  token: string
  /** The request, kept while the call may be sent again (idempotent, or no instance yet after a reconnect). */
  request: Record<string, unknown> | undefined
  /** Its procedure is declared idempotent: it may be retried on another instance. */
  readonly idempotent: boolean
  /** When the call was made: its deadline (`dl`) counts from here, held or not. */
  readonly madeAt: number
  sentAt: number
  /** The instance's subject, once it has said it took the call. */
  instance: string | undefined
  /** Messages for the instance that wait for it to be known. */
  waiting: string[] | undefined
  /** The caller gave up on it (a cancel was sent): what it waits for is the `d`. */
  cancelled: boolean
  attempts: number
}

/** The ms left of the call's deadline now, or undefined for a call without one. */
export function timeLeft(route: Route, request: Record<string, unknown>, now: number): number | undefined {
  return typeof request.dl === 'number' ? request.dl - (now - route.madeAt) : undefined
}

/** The TimeoutError of a call whose deadline passed before its request could be sent. */
export function timedOut(route: Route, request: Record<string, unknown>): TimeoutError {
  const timeout = request.dl as number
  return new TimeoutError(`Call "${route.procedure}" timed out after ${timeout} ms while the connection to NATS was down; it was not sent`, { procedure: route.procedure, timeout })
}

/**
 * The TooManyHeldMessagesError of `what` (`call "add"`, `notification "reload"`), refused
 * because the held buffer is at `limit` `unit`.
 */
export function heldFull(what: string, procedure: string | undefined, unit: 'messages' | 'bytes', limit: number): TooManyHeldMessagesError {
  const option = unit === 'messages' ? `maxHeldMessages: ${limit}` : `maxHeldBytes: ${limit}`
  return new TooManyHeldMessagesError(`${what[0]?.toUpperCase()}${what.slice(1)} was not sent: the connection to NATS is down and the messages held until it is back are at their limit (${option})`, { procedure, limit, unit })
}

/** Why calls fail once the NATS connection closed for good. */
export const connectionClosed: CloseReason = (procedure, inFlight) =>
  new ChannelClosedError(inFlight ? `The NATS connection closed before call "${procedure}" returned` : `The NATS connection is closed; call "${procedure}" was not sent`, { procedure })

/** The InstanceLostError of a call, saying why its instance was given up on. */
export function lostError(subject: string, route: Route, reason: LostReason, timeout: number): InstanceLostError {
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
