/**
 * The two roles a peer plays: the parent's (it calls the contract's procedures, serves its
 * host procedures, sends notifications and hears events) and the worker's (the other way
 * round). `createClient` and `createRouter` are the public faces of the two, for running a
 * contract over a channel of one's own; `fork()`, `spawnThread()`, `serve()` and the test
 * pair build on the same.
 */
import type { CloseReason, Channel } from '../channel/channel.js'
import type { Client, EventSource, Notify } from '../contract/call-types.js'
import { assertContract, type Contract } from '../contract/define-contract.js'
import { checkHandlers, checkNotificationHandlers, type Handlers, type NotificationHandlers } from '../contract/handler-types.js'
import { checkHostHandlers, hostContractOf, type HostHandlers } from '../contract/host.js'
import type { Interceptors } from '../contract/interceptor-types.js'
import type { MessageLimitOptions } from '../protocol/limits.js'
import type { ProtocolMessage } from '../protocol/messages.js'
import { Peer } from './peer.js'

/**
 * Options of {@link createClient}.
 *
 * @example
 * ```ts
 * createClient(math, channel, { timeout: 1_000 } satisfies ClientOptions)
 * ```
 */
export interface ClientOptions extends MessageLimitOptions {
  /** Default timeout of every call, in milliseconds. `0` or `Infinity` (the default): none. */
  timeout?: number | undefined
  /** Join the frames of the code awaiting a failed call to its error's stack (default true; free until a call fails). */
  callerStacks?: boolean | undefined
  /** Around the calls it makes (`call`), its host handlers (`handler`) and the events it hears (`event`). */
  interceptors?: Interceptors | undefined
}

/**
 * The parent's side of a channel, with the controls its owner (a worker, a test pair) needs.
 *
 * @example
 * ```ts
 * const client: ClientCore<typeof math> = createClient(math, channel)
 * client.refuse((procedure) => new ChannelClosedError('closed', { procedure }))
 * await client.drained()
 * ```
 */
export interface ClientCore<C extends Contract> extends EventSource<C> {
  /** Calls the procedures and streams of the contract on the other side. */
  readonly call: Client<C>
  /** Sends one of the contract's notifications to the other side (fire and forget). */
  readonly notify: Notify<C>
  /** How many calls (procedures, streams, input streams) are waiting for their outcome. */
  readonly pending: number
  /**
   * Calls the caller gave up on (cancelled, timed out, broken off) whose handler has not
   * settled on the other side yet, by id, with when they were given up (`Date.now()`).
   */
  readonly lingering: ReadonlyMap<string, number>
  /** Refuses new calls with `reason`; calls in flight go on. */
  refuse(reason: CloseReason): void
  /** Resolves once no call is in flight. */
  drained(): Promise<void>
  /** Rejects every call in flight, and every later one, with `reason`. */
  fail(reason: CloseReason): void
}

/** What the parent's own layers add to a client: hooks into the messages it does not handle. */
export interface ParentPeerHooks {
  /** Handshake and lifecycle messages. */
  lifecycle?: ((message: ProtocolMessage) => void) | undefined
  /** Every forkrpc message, once handled. */
  observe?: ((message: ProtocolMessage) => void) | undefined
}

/**
 * The parent's peer over `channel` (host handlers checked first).
 *
 * @example
 * ```ts
 * const peer = parentPeer(math, channel, { timeout: 1_000 }, {})
 * ```
 */
export function parentPeer(contract: Contract, channel: Channel, options: ClientOptions & { host?: unknown }, hooks: ParentPeerHooks): Peer {
  checkHostHandlers(contract, options.host, 'createClient(contract, channel, { host })')
  return new Peer({
    channel,
    side: 'parent',
    calls: contract,
    handles: hostContractOf(contract),
    handlers: (options.host as Readonly<Record<string, unknown>> | undefined) ?? {},
    sends: contract.notifications,
    hears: contract.events,
    errors: contract.errors,
    timeout: options.timeout,
    callerStacks: options.callerStacks,
    maxPending: options.maxPending,
    maxMessageBytes: options.maxMessageBytes,
    lifecycle: hooks.lifecycle,
    observe: hooks.observe,
    interceptors: options.interceptors,
  })
}

/**
 * The client face of a parent's peer.
 *
 * @example
 * ```ts
 * const client = clientOf<typeof math>(parentPeer(math, channel, {}, {}))
 * ```
 */
export function clientOf<C extends Contract>(peer: Peer): ClientCore<C> {
  const { caller, hub, emitter } = peer
  return {
    call: peer.call as unknown as Client<C>,
    notify: ((name: string, payload?: unknown) => emitter.emit(name, payload)) as Notify<C>,
    on: ((name: string, listener: (payload: unknown) => void) => hub.on(name, listener)) as ClientCore<C>['on'],
    events: ((name: string) => hub.events(name)) as ClientCore<C>['events'],
    get pending() {
      return caller.table.size
    },
    lingering: caller.table.lingering,
    refuse: (reason) => caller.refuse(reason),
    drained: () => caller.table.drained(),
    fail: (reason) => peer.close(reason),
  }
}

/**
 * Creates the parent's side of a contract over a channel: `fork()`, `spawnThread()` and
 * `connect()` use it; use it directly only to run a contract over a channel of your own. A
 * contract with host procedures needs their handlers as `options.host`.
 *
 * @example
 * ```ts
 * const client = createClient(math, channel, { timeout: 1_000 })
 * await client.call.add({ a: 1, b: 2 })
 * ```
 */
export function createClient<C extends Contract>(contract: C, channel: Channel, options: ClientOptions & { host?: HostHandlers<C> | undefined } = {}): ClientCore<C> {
  assertContract(contract, 'createClient(contract, channel)')
  return clientOf<C>(parentPeer(contract, channel, options, {}))
}

/**
 * Options of {@link createRouter}.
 *
 * @example
 * ```ts
 * createRouter(app, handlers, channel, { notifications: { reload: () => cache.clear() } } satisfies RouterOptions)
 * ```
 */
export interface RouterOptions<C extends Contract = Contract> extends MessageLimitOptions {
  /** The handlers of the contract's notifications; a notification without a handler is dropped. */
  notifications?: NotificationHandlers<C> | undefined
  /** Default timeout of the handlers' calls of host procedures (`ctx.host`). */
  timeout?: number | undefined
  /** Around the handlers it runs (`handler`), its calls of host procedures (`call`) and the notifications it hears (`event`). */
  interceptors?: Interceptors | undefined
}

/**
 * The worker's side of a channel, with the controls its owner (serve, a test pair) needs.
 *
 * @example
 * ```ts
 * const router: RouterCore = createRouter(math, handlers, channel)
 * router.abortAll(new AbortError('shutting down'))
 * await router.drained()
 * ```
 */
export interface RouterCore {
  /** How many handlers are running. */
  readonly inFlight: number
  /**
   * Aborts the signal of every running handler with `reason`. Their outcomes are still
   * sent: the callers are waiting, and a handler that stops on the signal rejects with it.
   */
  abortAll(reason: Error | ((procedure: string) => Error)): void
  /** Resolves once no handler is running. */
  drained(): Promise<void>
  /** Refuses every later request with ChannelClosedError; `why` starts its message ("The worker is shutting down"). */
  refuse(why: string): void
}

/** What the worker's own layers add to a router. */
export interface WorkerPeerHooks {
  /** Handshake and lifecycle messages. */
  lifecycle?: ((message: ProtocolMessage) => void) | undefined
  /** Called after each call settles. */
  settled?: (() => void) | undefined
  /** Where errors about the handlers are reported ("serve(contract, handlers)"). */
  where: string
}

/**
 * The worker's peer over `channel` (handlers checked first).
 *
 * @example
 * ```ts
 * const peer = workerPeer(math, handlers, channel, {}, { where: 'serve(contract, handlers)' })
 * ```
 */
export function workerPeer(contract: Contract, handlers: unknown, channel: Channel, options: RouterOptions, hooks: WorkerPeerHooks): Peer {
  assertContract(contract, hooks.where)
  checkHandlers(contract, handlers, hooks.where)
  checkNotificationHandlers(contract, options.notifications, `${hooks.where.replace(/\(.*$/, '')}({ notifications })`)
  const peer = new Peer({
    channel,
    side: 'worker',
    calls: hostContractOf(contract),
    handles: contract,
    handlers: handlers as Readonly<Record<string, unknown>>,
    sends: contract.events,
    hears: contract.notifications,
    errors: contract.errors,
    timeout: options.timeout,
    maxPending: options.maxPending,
    maxMessageBytes: options.maxMessageBytes,
    abortRunningOnClose: false,
    lifecycle: hooks.lifecycle,
    settled: hooks.settled,
    interceptors: options.interceptors,
  })
  for (const [name, handler] of Object.entries(options.notifications ?? {})) peer.hub.on(name, (payload) => notify(handler as (payload: unknown) => unknown, payload))
  return peer
}

/** A notification handler's error, thrown or rejected, is rethrown asynchronously, like an EventEmitter listener's. */
function notify(handler: (payload: unknown) => unknown, payload: unknown): void {
  const result = handler(payload)
  if (typeof (result as PromiseLike<unknown> | null)?.then === 'function') {
    ;(result as Promise<unknown>).then(undefined, (error: unknown) =>
      queueMicrotask(() => {
        throw error
      }),
    )
  }
}

/**
 * The router face of a worker's peer.
 *
 * @example
 * ```ts
 * const router = routerOf(workerPeer(math, handlers, channel, {}, { where: 'createRouter()' }))
 * ```
 */
export function routerOf(peer: Peer): RouterCore {
  const { handler } = peer
  return {
    get inFlight() {
      return handler.size
    },
    abortAll: (reason) => handler.abortAll(reason),
    drained: () => handler.drained(),
    refuse: (why) => handler.refuse(why),
  }
}

/**
 * Runs a contract's handlers over a channel (the worker's side): `serve()` uses it; use it
 * directly only to serve a contract over a channel of your own. Handlers can call the
 * contract's host procedures through `ctx.host`.
 *
 * @example
 * ```ts
 * const router = createRouter(math, { add: ({ a, b }) => a + b }, channel)
 * ```
 */
export function createRouter<C extends Contract>(contract: C, handlers: Handlers<C>, channel: Channel, options: RouterOptions<C> = {}): RouterCore {
  return routerOf(workerPeer(contract, handlers, channel, options as RouterOptions, { where: 'createRouter(contract, handlers, channel)' }))
}
