/**
 * Notifications: fire-and-forget messages from the parent to the child, declared in the
 * contract (`notifications: { reload: event<{ path: string }>() }`), sent with
 * `worker.notify('reload', { path })` and handled in the child by
 * `serve(contract, handlers, { notifications: { reload: ({ path }) => ... } })`.
 */
import type { Channel } from './channel.js'
import type { Codec } from './codec.js'
import type { Contract } from './contract.js'
import { debug } from './debug.js'
import { sendFailure } from './encodable.js'
import type { EventPayload, PayloadArgument } from './event.js'
import { PROTOCOL_VERSION, type NotificationMessage } from './protocol.js'

/**
 * The child's handlers of the contract's notifications; each is optional (a notification
 * without a handler is dropped).
 *
 * @example
 * ```ts
 * const notifications: NotificationHandlers<typeof app> = { reload: ({ path }) => config.reload(path) }
 * serve(app, handlers, { notifications })
 * ```
 */
export type NotificationHandlers<C extends Contract> = {
  [K in keyof C['notifications']]?: (payload: EventPayload<C['notifications'][K]>) => void | Promise<void>
}

/**
 * The parent's `notify`: sends notification `name` to the child, fire and forget.
 *
 * @example
 * ```ts
 * worker.notify('reload', { path: '/etc/app.json' })
 * ```
 */
export type Notify<C extends Contract> = <K extends keyof C['notifications'] & string>(name: K, ...payload: PayloadArgument<EventPayload<C['notifications'][K]>>) => void

/**
 * Creates the parent's `notify` over a channel. It throws a TypeError for a notification the
 * contract does not declare, a SerializationError for a payload that cannot be sent, and
 * the refusal's error once the worker is closed or gone.
 *
 * @example
 * ```ts
 * const notify = createNotify(contract, channel, () => codec, () => refusal)
 * ```
 */
export function createNotify<C extends Contract>(contract: C, channel: Channel, codec: () => Codec, refusal: () => ((name: string) => Error) | undefined): Notify<C> {
  return ((name: string, payload: unknown): void => {
    if (typeof name !== 'string' || !Object.hasOwn(contract.notifications, name)) {
      throw new TypeError(`notify(name, payload): "${String(name)}" is not a notification of the contract`)
    }
    const refused = refusal()
    if (refused !== undefined) throw refused(name)
    const message = { $fr: PROTOCOL_VERSION, t: 'nt', n: name } as NotificationMessage
    const role = `payload of notification "${name}"`
    codec().encodeInto(message, payload, undefined, role)
    try {
      channel.send(message)
    } catch (error) {
      throw sendFailure(error, undefined, role, payload)
    }
  }) as Notify<C>
}

/**
 * Delivers a received notification to its handler in the child. A handler's error (thrown
 * or rejected) is rethrown asynchronously, as an uncaught exception, like an
 * EventEmitter listener's.
 *
 * @example
 * ```ts
 * deliverNotification(contract, handlers, message, codec)
 * ```
 */
export function deliverNotification(contract: Contract, handlers: Readonly<Record<string, unknown>> | undefined, message: NotificationMessage, codec: Codec): void {
  const handler = Object.hasOwn(contract.notifications, message.n) && handlers !== undefined && Object.hasOwn(handlers, message.n) ? handlers[message.n] : undefined
  if (typeof handler !== 'function') {
    debug('dropped notification "%s": no handler', message.n)
    return
  }
  let payload: unknown
  try {
    payload = codec.decode(message, undefined, `payload of notification "${message.n}"`)
  } catch (error) {
    debug('dropped notification "%s": %o', message.n, error)
    return
  }
  const rethrow = (error: unknown): void =>
    queueMicrotask(() => {
      throw error
    })
  try {
    const result: unknown = (handler as (payload: unknown) => unknown)(payload)
    if (typeof (result as PromiseLike<unknown> | null)?.then === 'function') (result as Promise<unknown>).then(undefined, rethrow)
  } catch (error) {
    rethrow(error)
  }
}
