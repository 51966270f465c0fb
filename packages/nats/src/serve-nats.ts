/**
 * `serveNats()`: serves a contract on a NATS subject, from any process on any machine. Every
 * instance joins the subject's queue group, so NATS spreads the calls across them. The
 * handlers are the same functions as for `serve()`.
 */
import { AbortError, DEFAULT_MAX_MESSAGE_BYTES, type ContractWithoutHost, type Handlers, type MessageLimitOptions, type NotificationHandlers } from '@forkrpc/core'
import { createRouter, type RouterCore } from '@forkrpc/core/channel'
import type { NatsConnection } from '@nats-io/transport-node'
import { ServingChannel } from './serving-channel.js'
import { checkPeriod, checkPositive, checkSubject, ID_ROOM, within } from './wire.js'

/**
 * Default heartbeat interval of a serving instance, in ms: how often the callers of its
 * running calls hear that it is alive.
 *
 * @example
 * ```ts
 * await serveNats(math, handlers, { connection: nc, subject: 'math', heartbeat: DEFAULT_HEARTBEAT_MS / 2 })
 * ```
 */
export const DEFAULT_HEARTBEAT_MS = 1_000

/**
 * Options of {@link serveNats}.
 *
 * @example
 * ```ts
 * const options: ServeNatsOptions<typeof math> = { connection: nc, subject: 'math.v1', queue: 'math-workers' }
 * ```
 */
export interface ServeNatsOptions<C extends ContractWithoutHost = ContractWithoutHost> extends MessageLimitOptions {
  /** The connection to NATS, yours to open, configure (servers, auth, TLS) and close. */
  connection: NatsConnection
  /** The subject the contract is served on (no wildcards): one per contract, its version in the name (`math.v1`). Notifications come on `<subject>.notify`. */
  subject: string
  /** The queue group the instance joins (default: the subject): instances of one group share the calls. */
  queue?: string | undefined
  /**
   * How often, in ms, while the instance runs calls, it tells each of their callers that it is
   * alive (one heartbeat per caller, not per call); default {@link DEFAULT_HEARTBEAT_MS}. Keep
   * the callers' `heartbeatTimeout` at two or three times it. A finite number (`Infinity` is
   * refused).
   */
  heartbeat?: number | undefined
  /** Default ms `close()` lets calls in flight finish (default 5,000). */
  grace?: number | undefined
  /** Ms handlers get to stop after their signal aborted at the end of `grace` (default 3,000). */
  shutdownTimeout?: number | undefined
  /** Handlers of the contract's notifications (every instance hears every notification); a notification without a handler is dropped. */
  notifications?: NotificationHandlers<C> | undefined
  /** Prefix of the instance's own subject (default `_INBOX`), for accounts that restrict subjects. */
  inboxPrefix?: string | undefined
}

/**
 * A serving instance.
 *
 * @example
 * ```ts
 * const server: NatsServer = await serveNats(math, handlers, { connection: nc, subject: 'math' })
 * process.on('SIGTERM', () => void server.close())
 * ```
 */
export interface NatsServer {
  /** The subject it serves. */
  readonly subject: string
  /** Its queue group. */
  readonly queue: string
  /** Its own subject, where callers send a running call's later messages (new after a reconnect). */
  readonly instance: string
  /** How many handlers are running. */
  readonly inFlight: number
  /**
   * Drains and leaves: stops taking calls (NATS sends new ones to the other instances),
   * lets those in flight finish within `grace`, then aborts the handlers' signals and
   * waits up to `shutdownTimeout` for them. The connection is left open. Calling it again
   * returns the same promise. Options that are not an object, or an invalid limit, reject with a
   * TypeError and close nothing.
   */
  close(options?: { grace?: number | undefined; shutdownTimeout?: number | undefined }): Promise<void>
  /** The same as `close()`, for `await using`. */
  [Symbol.asyncDispose](): Promise<void>
}

/**
 * Serves `contract` with `handlers` on a NATS subject. Resolves once the server has the
 * instance's subscriptions, so a call made after it reaches this instance (or another).
 *
 * @example
 * ```ts
 * import { connect } from '@nats-io/transport-node'
 * import { serveNats } from '@forkrpc/nats'
 * const nc = await connect({ servers: 'nats://127.0.0.1:4222' })
 * const server = await serveNats(math, { add: ({ a, b }) => a + b }, { connection: nc, subject: 'math' })
 * process.on('SIGTERM', async () => { await server.close(); await nc.drain() })
 * ```
 */
export async function serveNats<C extends ContractWithoutHost>(contract: C, handlers: Handlers<C>, options: ServeNatsOptions<C>): Promise<NatsServer> {
  const nc = checkConnection(options?.connection, 'serveNats')
  const subject = checkSubject(options.subject, 'subject')
  const queue = options.queue === undefined ? subject : checkSubject(options.queue, 'queue')
  const heartbeat = checkPeriod(options.heartbeat, 'heartbeat', DEFAULT_HEARTBEAT_MS)
  const defaultGrace = checkPositive(options.grace, 'grace', 5_000, 0)
  const defaultShutdownTimeout = checkPositive(options.shutdownTimeout, 'shutdownTimeout', 3_000, 0)
  checkNoHost(contract, 'serveNats')
  let router: RouterCore | undefined
  const channel = new ServingChannel({
    connection: nc,
    subject,
    queue,
    heartbeat,
    inboxPrefix: options.inboxPrefix,
    disconnected: () => router?.abortAll(new AbortError('The instance lost its connection to NATS')),
  })
  try {
    router = createRouter(contract, handlers, channel, {
      notifications: options.notifications,
      maxPending: options.maxPending,
      maxMessageBytes: effectiveLimit(nc, options.maxMessageBytes),
    })
    await nc.flush()
  } catch (error) {
    channel.close(() => new Error('serveNats() failed'))
    throw error
  }
  const running = router
  let closing: Promise<void> | undefined
  const server: NatsServer = {
    subject,
    queue,
    get instance() {
      return channel.instance
    },
    get inFlight() {
      return running.inFlight
    },
    close(closeOptions = {}) {
      // Checked before anything closes, so that a bad call leaves a later close() free to work.
      let grace: number
      let shutdownTimeout: number
      try {
        if (typeof closeOptions !== 'object' || closeOptions === null) throw new TypeError(`close(): options must be an object, got ${closeOptions === null ? 'null' : typeof closeOptions}`)
        grace = checkPositive(closeOptions.grace, 'grace', defaultGrace, 0)
        shutdownTimeout = checkPositive(closeOptions.shutdownTimeout, 'shutdownTimeout', defaultShutdownTimeout, 0)
      } catch (error) {
        return Promise.reject(error as Error)
      }
      closing ??= (async () => {
        await channel.stopTaking()
        running.refuse('The instance is shutting down')
        if (!(await within(running.drained(), grace))) {
          running.abortAll(new AbortError('The instance is shutting down'))
          await within(running.drained(), shutdownTimeout)
        }
        if (!nc.isClosed()) await nc.flush().catch(() => undefined)
        channel.close(() => new AbortError('The instance has shut down'))
      })()
      return closing
    },
    [Symbol.asyncDispose]() {
      return server.close()
    },
  }
  return server
}

/**
 * The `maxMessageBytes` in force: the smaller of the option (default 64 MiB) and what the
 * server accepts (`max_payload`), less room for the call id.
 */
export function effectiveLimit(nc: NatsConnection, requested: number | undefined): number {
  const maxPayload = nc.info?.max_payload
  const limit = requested ?? DEFAULT_MAX_MESSAGE_BYTES
  return maxPayload === undefined ? limit : Math.min(limit, maxPayload - ID_ROOM)
}

/** Checks that `connection` looks like a NATS connection. */
export function checkConnection(connection: unknown, where: string): NatsConnection {
  const candidate = connection as Partial<NatsConnection> | undefined
  if (typeof candidate?.publish !== 'function' || typeof candidate.subscribe !== 'function' || typeof candidate.status !== 'function') {
    throw new TypeError(`${where}(contract, ..., { connection }): connection must be a NatsConnection from @nats-io/transport-node's connect()`)
  }
  if (candidate.isClosed?.() === true) throw new TypeError(`${where}(): the NATS connection is closed`)
  return candidate as NatsConnection
}

/**
 * Two-way calls (`host` procedures) need the caller's process to serve them; over NATS they
 * are not supported.
 */
export function checkNoHost(contract: ContractWithoutHost, where: string): void {
  const host = (contract as { host?: object } | undefined)?.host
  if (host !== undefined && Object.keys(host).length > 0) throw new TypeError(`${where}(): contracts with host procedures (two-way calls) are not supported over NATS`)
}
