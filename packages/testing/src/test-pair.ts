/**
 * `createTestPair`: a client and a router linked in memory, for testing handlers and
 * callers without a process. Messages go through the same codec and the same
 * serialization as the real channel, so what fails to serialize there fails here too;
 * `pair.faults` injects what goes wrong with real processes.
 */
import {
  AbortError,
  ChannelClosedError,
  type Client,
  type Contract,
  type EventSource,
  type Handlers,
  type HostHandlers,
  type Interceptors,
  type NotificationHandlers,
  type Notify,
  type Serialization,
} from '@forkrpc/core'
import { createClient, createRouter, type RouterCore } from '@forkrpc/core/channel'
import { createFaultLayer, type Faults } from './faults.js'
import { checkHostOption } from './host-check.js'
import { createMemoryChannelPair } from './memory-channel.js'

/**
 * Options of {@link createTestPair}.
 *
 * @example
 * ```ts
 * createTestPair(math, handlers, { serialization: 'advanced', timeout: 100, latency: 5 })
 * ```
 */
export interface TestPairOptions<C extends Contract = Contract> {
  /** The handlers of the contract's host procedures (the ones the parent serves), as in `fork()`. */
  host?: HostHandlers<C> | undefined
  /** The child's handlers of the contract's notifications, as in `serve()`'s options. */
  notifications?: NotificationHandlers<C> | undefined
  /** The channel's serialization, as in `fork()`. Default `json`. */
  serialization?: Serialization | undefined
  /** Default timeout of every call in milliseconds, as in `fork()`. */
  timeout?: number | undefined
  /** Milliseconds every message takes to arrive, both ways (`pair.faults.latency()` changes it). Default 0. */
  latency?: number | undefined
  /** The largest message either side sends or accepts, as in `fork()` and `serve()`. Default 64 MiB. */
  maxMessageBytes?: number | undefined
  /** How many calls may wait at once, on each side, as in `fork()` and `serve()`. Default 100,000. */
  maxPending?: number | undefined
  /** The parent's interceptors, as in `fork()`'s options. */
  interceptors?: Interceptors | undefined
  /** The worker's interceptors, as in `serve()`'s options. */
  workerInterceptors?: Interceptors | undefined
}

/**
 * A client linked to handlers in memory.
 *
 * @example
 * ```ts
 * await using pair = createTestPair(math, handlers)
 * await pair.call.add({ a: 1, b: 2 })
 * ```
 */
export interface TestPair<C extends Contract> extends EventSource<C> {
  /** The typed client, exactly as `worker.call`. */
  readonly call: Client<C>
  /** Sends a notification to the handlers, exactly as `worker.notify`. */
  readonly notify: Notify<C>
  /** How many handlers are running. */
  readonly inFlight: number
  /** Injects faults (latency, lost replies, a dying child, junk messages); see {@link Faults}. */
  readonly faults: Faults
  /**
   * Closes the link: calls in flight reject with ChannelClosedError, running handlers'
   * signals abort, and later calls reject at once.
   */
  close(): Promise<void>
  /** The same as `close()`, for `await using`. */
  [Symbol.asyncDispose](): Promise<void>
}

/**
 * Links a client to `handlers` in memory, with no process in between.
 *
 * @remarks
 * Messages go through the real codec and serialization: what would fail on a real channel fails
 * here too, and the caller gets the same errors as from `fork()`.
 *
 * @example
 * ```ts
 * import { createTestPair } from '@forkrpc/testing'
 * const pair = createTestPair(math, { add: ({ a, b }) => a + b, ... })
 * expect(await pair.call.add({ a: 1, b: 2 })).toBe(3)
 * pair.faults.exit({ exitCode: 1 }) // from now on, calls reject with WorkerExitedError
 * await pair.close()
 * ```
 */
export function createTestPair<C extends Contract>(contract: C, handlers: Handlers<C>, options: TestPairOptions<C> = {}): TestPair<C> {
  checkHostOption(contract, options.host, 'createTestPair(contract, handlers, { host })', false)
  return linkInMemory(contract, handlers, options).pair
}

/** A test pair and its router, for helpers of this package that act on the "child" (mockWorker's close). */
export function linkInMemory<C extends Contract>(contract: C, handlers: Handlers<C>, options: TestPairOptions<C>): { pair: TestPair<C>; router: RouterCore } {
  let layer: ReturnType<typeof createFaultLayer> | undefined
  const { parent, child } = createMemoryChannelPair(options.serialization ?? 'json', { latency: () => layer?.latency() ?? 0 })
  layer = createFaultLayer(parent, child, (reason) => router.abortAll(reason))
  if (options.latency !== undefined) layer.faults.latency(options.latency)
  const router = createRouter(contract, handlers, layer.child, {
    maxMessageBytes: options.maxMessageBytes,
    maxPending: options.maxPending,
    notifications: options.notifications,
    interceptors: options.workerInterceptors,
  })
  const client = createClient(contract, parent, {
    timeout: options.timeout,
    maxPending: options.maxPending,
    maxMessageBytes: options.maxMessageBytes,
    host: options.host,
    interceptors: options.interceptors,
  })
  const close = async (): Promise<void> => {
    parent.close((procedure) => new ChannelClosedError(`The test pair was closed before call "${procedure}" returned`, { procedure }))
    router.abortAll(new AbortError('The test pair was closed'))
  }
  const pair: TestPair<C> = {
    call: client.call,
    on: client.on,
    events: client.events,
    notify: client.notify,
    get inFlight() {
      return router.inFlight
    },
    faults: layer.faults,
    close,
    [Symbol.asyncDispose]: close,
  }
  return { pair, router }
}
