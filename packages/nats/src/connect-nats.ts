/**
 * `connectNats()`: the same worker interface as `fork()`, over NATS. A caller moves from a
 * local worker to a remote service by changing one line.
 */
import { ChannelClosedError, DEFAULT_GRACE_MS, type ContractWithoutHost, type ContractWorker, type ExitResult, type MessageLimitOptions } from '@forkrpc/core'
import { createClient } from '@forkrpc/core/channel'
import { CallerChannel } from './caller-channel.js'
import { checkConnection, checkNoHost, effectiveLimit, type ServeNatsOptions } from './serve-nats.js'
import { checkLimit, checkPeriod, checkPositive, checkSubject, within } from './wire.js'

/**
 * Default heartbeat timeout of a caller, in ms: a call whose instance was not heard from for
 * this long (three of the instances' default heartbeats) is lost.
 *
 * @example
 * ```ts
 * await connectNats(math, { connection: nc, subject: 'math', heartbeatTimeout: DEFAULT_HEARTBEAT_TIMEOUT_MS * 2 })
 * ```
 */
export const DEFAULT_HEARTBEAT_TIMEOUT_MS = 3_000

/**
 * Default `maxHeldMessages` of a caller: how many messages (requests, stream credit, input
 * chunks, notifications) it holds at most while its connection to NATS is down.
 *
 * @example
 * ```ts
 * await connectNats(math, { connection: nc, subject: 'math', maxHeldMessages: DEFAULT_MAX_HELD_MESSAGES / 10 })
 * ```
 */
export const DEFAULT_MAX_HELD_MESSAGES = 10_000

/**
 * Default `maxHeldBytes` of a caller: how many bytes (of JSON) it holds at most while its
 * connection to NATS is down; 8 MiB, as the Go client's `ReconnectBufSize`.
 *
 * @example
 * ```ts
 * await connectNats(math, { connection: nc, subject: 'math', maxHeldBytes: DEFAULT_MAX_HELD_BYTES * 4 })
 * ```
 */
export const DEFAULT_MAX_HELD_BYTES = 8 * 1024 * 1024

/**
 * Options of {@link connectNats}.
 *
 * @example
 * ```ts
 * const options: ConnectNatsOptions = { connection: nc, subject: 'math.v1', timeout: 5_000 }
 * ```
 */
export interface ConnectNatsOptions extends MessageLimitOptions, Pick<ServeNatsOptions, 'connection' | 'subject' | 'inboxPrefix'> {
  /** Default timeout of every call, in ms (`0` or `Infinity`: none; a procedure's or a call's own wins); it travels to the instance as a deadline (the handler's `ctx.deadline`; its `ctx.signal` aborts with `TimeoutError`). */
  timeout?: number | undefined
  /**
   * A call whose instance sent nothing (no acknowledgement, no message, no heartbeat) for this
   * long is lost: InstanceLostError, or one retry elsewhere for an idempotent procedure.
   * Default {@link DEFAULT_HEARTBEAT_TIMEOUT_MS}; keep it at two or three times the
   * instances' `heartbeat`.
   */
  heartbeatTimeout?: number | undefined
  /**
   * The most messages held while the connection to NATS is down (requests, stream credit,
   * input chunks, notifications), to be sent once it is back. One more is refused with
   * TooManyHeldMessagesError (a call rejects, `notify()` throws). Default
   * {@link DEFAULT_MAX_HELD_MESSAGES}; `0` holds nothing: every call made while the
   * connection is down fails at once.
   */
  maxHeldMessages?: number | undefined
  /** The most bytes (of JSON) held while the connection is down, likewise. Default {@link DEFAULT_MAX_HELD_BYTES}. */
  maxHeldBytes?: number | undefined
  /** Default ms `close()` lets calls in flight finish (default 5,000). */
  grace?: number | undefined
  /** Join the caller's frames to a failed call's stack (default true). */
  callerStacks?: boolean | undefined
}

/**
 * A contract's service over NATS, seen from a caller: the same interface as a forked worker.
 *
 * @example
 * ```ts
 * const worker: NatsWorker<typeof math> = await connectNats(math, { connection: nc, subject: 'math' })
 * console.log(await worker.call.add({ a: 1, b: 2 }), worker.retries)
 * ```
 */
export interface NatsWorker<C extends ContractWithoutHost> extends ContractWorker<C> {
  /** The subject the calls go to. */
  readonly subject: string
  /** This caller's inbox; the calls' replies come to subjects under it. */
  readonly inbox: string
  /** Idempotent calls sent again to another instance because theirs was lost. */
  readonly retries: number
  /** Messages held until the connection to NATS is back (0 while it is up). */
  readonly held: number
}

/**
 * Calls the instances that serve `contract` on `options.subject`. Nothing is asked of them
 * up front: a call when no instance serves the subject rejects at once with
 * NoRespondersError. While the connection to NATS is down, calls (and streams, their credit
 * and input chunks, notifications) are held, within `maxHeldMessages` and `maxHeldBytes`
 * (TooManyHeldMessagesError past them), and sent in order once it is back; a held call's
 * deadline runs meanwhile (TimeoutError, never sent), and a connection closed for good
 * fails them at once (ChannelClosedError). `close()` lets calls in flight finish (within
 * `grace`), fails the rest with ChannelClosedError and leaves the connection open; it
 * resolves with `{ code: 0, signal: null, forced }`, `forced` when calls had to be cut.
 * Options that are not an object, or an invalid `grace`, reject with a TypeError and close
 * nothing.
 *
 * @example
 * ```ts
 * import { connect } from '@nats-io/transport-node'
 * import { connectNats } from '@forkrpc/nats'
 * const nc = await connect({ servers: 'nats://127.0.0.1:4222' })
 * await using worker = await connectNats(math, { connection: nc, subject: 'math', timeout: 1_000 })
 * console.log(await worker.call.add({ a: 1, b: 2 }))
 * ```
 */
export async function connectNats<C extends ContractWithoutHost>(contract: C, options: ConnectNatsOptions): Promise<NatsWorker<C>> {
  const nc = checkConnection(options?.connection, 'connectNats')
  const subject = checkSubject(options.subject, 'subject')
  const heartbeatTimeout = checkPeriod(options.heartbeatTimeout, 'heartbeatTimeout', DEFAULT_HEARTBEAT_TIMEOUT_MS, 10)
  const defaultGrace = checkPositive(options.grace, 'grace', DEFAULT_GRACE_MS, 0)
  const maxHeldMessages = checkLimit(options.maxHeldMessages, 'maxHeldMessages', DEFAULT_MAX_HELD_MESSAGES)
  const maxHeldBytes = checkLimit(options.maxHeldBytes, 'maxHeldBytes', DEFAULT_MAX_HELD_BYTES)
  checkNoHost(contract, 'connectNats')
  const channel = new CallerChannel({ connection: nc, contract, subject, heartbeatTimeout, maxHeldMessages, maxHeldBytes, inboxPrefix: options.inboxPrefix })
  let client
  try {
    client = createClient(contract, channel, {
      timeout: options.timeout,
      callerStacks: options.callerStacks,
      maxPending: options.maxPending,
      maxMessageBytes: effectiveLimit(nc, options.maxMessageBytes),
    })
    await nc.flush()
  } catch (error) {
    channel.close(() => new ChannelClosedError('connectNats() failed'))
    throw error
  }
  const core = client
  let closing: Promise<ExitResult> | undefined
  const worker: NatsWorker<C> = {
    subject,
    inbox: channel.inbox,
    get retries() {
      return channel.retries
    },
    get held() {
      return channel.held
    },
    call: core.call,
    notify: core.notify,
    on: core.on,
    events: core.events,
    close(closeOptions = {}) {
      // Checked before anything closes, so that a bad call leaves a later close() free to work.
      let grace: number
      try {
        if (typeof closeOptions !== 'object' || closeOptions === null) throw new TypeError(`close(): options must be an object, got ${closeOptions === null ? 'null' : typeof closeOptions}`)
        grace = checkPositive(closeOptions.grace, 'grace', defaultGrace, 0)
      } catch (error) {
        return Promise.reject(error as Error)
      }
      closing ??= (async () => {
        core.refuse((procedure) => new ChannelClosedError(`The worker was closed; call "${procedure}" was not sent`, { procedure }))
        const drained = await within(core.drained(), grace)
        channel.close((procedure, inFlight) =>
          inFlight ? new ChannelClosedError(`The worker was closed before call "${procedure}" returned`, { procedure }) : new ChannelClosedError(`The worker was closed; call "${procedure}" was not sent`, { procedure }),
        )
        return { code: 0, signal: null, forced: !drained }
      })()
      return closing
    },
    async [Symbol.asyncDispose]() {
      await worker.close()
    },
  }
  return worker
}
