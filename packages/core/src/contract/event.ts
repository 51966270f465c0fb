/**
 * Events: typed messages a worker's handlers send to the parent (`ctx.emit`), declared in
 * the contract and heard with `worker.on` / `worker.events`. Fire and forget: no reply, no
 * flow control.
 */

/**
 * An event of a contract, carrying a `TPayload`.
 *
 * @example
 * ```ts
 * const progress: EventDefinition<{ pct: number }> = event<{ pct: number }>()
 * ```
 */
export interface EventDefinition<TPayload> {
  /** Tells an event's declaration from a procedure's in a contract. */
  readonly kind: 'event'
  /** Type-level only; never set at runtime. */
  readonly '~types'?: { payload: TPayload }
}

/**
 * A record of named events.
 *
 * @example
 * ```ts
 * const events = { progress: event<{ pct: number }>() } satisfies EventDefinitions
 * ```
 */
export type EventDefinitions = Readonly<Record<string, EventDefinition<unknown>>>

/**
 * The payload type of event `E`.
 *
 * @example
 * ```ts
 * type Progress = EventPayload<typeof jobs.events.progress> // { pct: number }
 * ```
 */
export type EventPayload<E> = E extends { readonly '~types'?: infer T } ? (NonNullable<T> extends { payload: infer P } ? P : never) : never

/**
 * The payload argument of an event or notification: optional when the payload may be
 * undefined (`event()` carries none).
 *
 * @example
 * ```ts
 * function emit<K extends keyof E & string>(name: K, ...payload: PayloadArgument<EventPayload<E[K]>>): void
 * ```
 */
export type PayloadArgument<P> = [P] extends [void] ? [payload?: P] : undefined extends P ? [payload?: P] : [payload: P]

/**
 * Declares an event that handlers emit and the parent listens to.
 *
 * @example
 * ```ts
 * export const jobs = defineContract(
 *   { run: procedure<string, void>() },
 *   { events: { progress: event<{ pct: number }>() } },
 * )
 * ```
 */
export function event<TPayload = void>(): EventDefinition<TPayload> {
  return Object.freeze({ kind: 'event' })
}
