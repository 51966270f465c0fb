/**
 * The contract: the procedures a worker serves, declared once as plain data and imported by
 * both the parent and the worker. Types flow from it into the caller's `worker.call` and the
 * worker's handlers.
 */
import { checkObject } from '../base/option-checks.js'
import type { EventDefinitions } from './event.js'
import type { AnyProcedure } from './procedure.js'
import type { AnyInputStreamProcedure, AnyStreamProcedure } from './stream.js'

/**
 * A record of named procedures and stream procedures.
 *
 * @example
 * ```ts
 * const procedures = { add: procedure<number, number>(), ticks: stream<void, number>() } satisfies Procedures
 * ```
 */
export type Procedures = Readonly<Record<string, AnyProcedure | AnyStreamProcedure | AnyInputStreamProcedure>>

/**
 * Any one procedure of a contract: a procedure, a stream or an input stream.
 *
 * @example
 * ```ts
 * const declared: AnyDeclaration = contract.procedures.add
 * if (declared.kind === 'stream') console.log('a stream')
 * ```
 */
export type AnyDeclaration = AnyProcedure | AnyStreamProcedure | AnyInputStreamProcedure

/**
 * A record of the procedures the parent serves for the worker (no streams).
 *
 * @example
 * ```ts
 * const host = { getConfig: procedure<string, string>() } satisfies HostProcedures
 * ```
 */
export type HostProcedures = Readonly<Record<string, AnyProcedure>>

/**
 * A class whose instances come back as themselves when thrown on the other side.
 *
 * @example
 * ```ts
 * class ParseError extends Error {}
 * const errors: ErrorClass[] = [ParseError]
 * ```
 */
export type ErrorClass = abstract new (...args: never[]) => Error

/**
 * A contract: procedures, events, host procedures, notifications, and the error classes that
 * keep their class across the channel. Plain data, created by `defineContract()`.
 *
 * @example
 * ```ts
 * const math: Contract = defineContract({ add: procedure<number, number>() })
 * console.log(math.names) // ['add']
 * ```
 */
export interface Contract<
  TProcedures extends Procedures = Procedures,
  TEvents extends EventDefinitions = EventDefinitions,
  THost extends HostProcedures = HostProcedures,
  TNotifications extends EventDefinitions = EventDefinitions,
> {
  /** The procedures and streams of the contract, by name. */
  readonly procedures: TProcedures
  /** The events that handlers emit to the parent (`ctx.emit`, `worker.on`). */
  readonly events: TEvents
  /** The procedures the parent serves for the worker (`ctx.host` in a handler; `host` handlers in `fork()`). */
  readonly host: THost
  /** Fire-and-forget messages the parent sends the worker (`worker.notify`, `serve(..., { notifications })`). */
  readonly notifications: TNotifications
  /** Error classes that come back as instances of themselves. */
  readonly errors: readonly ErrorClass[]
  /** The procedure names, sorted: the contract's fingerprint in the ready handshake. */
  readonly names: readonly string[]
}

/**
 * Options of {@link defineContract}.
 *
 * @example
 * ```ts
 * defineContract({ parse: procedure<string, number>() }, { errors: [ParseError] } satisfies ContractOptions)
 * ```
 */
export interface ContractOptions<
  TEvents extends EventDefinitions = EventDefinitions,
  THost extends HostProcedures = HostProcedures,
  TNotifications extends EventDefinitions = EventDefinitions,
> {
  /** Events that handlers emit to the parent (`ctx.emit`), declared with `event<Payload>()`; the parent hears them with `worker.on`, `worker.events` or a call's `onProgress` (for an event named `progress`). */
  events?: TEvents | undefined
  /**
   * Fire-and-forget notifications from the parent to the worker, declared with
   * `event<Payload>()`: `worker.notify(name, payload)` in the parent, handled by
   * `serve(contract, handlers, { notifications: { name: (payload) => ... } })` in the worker.
   */
  notifications?: TNotifications | undefined
  /**
   * Procedures that the parent serves for the worker (two-way calls): the worker calls them
   * with `ctx.host.name(input)`, and the parent passes their handlers to `fork()` /
   * `spawnThread()` / `connect()` as `host`. Procedures only, no streams.
   */
  host?: THost | undefined
  /**
   * Error classes that come back as instances of themselves (so `instanceof` works on the
   * other side). They are matched by class name, so each name must be unique.
   */
  errors?: readonly ErrorClass[] | undefined
}

/**
 * Declares a contract. Import it from both the parent and the worker module.
 *
 * @remarks
 * A contract is plain frozen data, imported by both the parent and the worker: the procedures the
 * worker serves, the events it emits, the procedures the parent serves for it (`host`), the
 * notifications the parent sends it, and the error classes that keep their class on the way back.
 *
 * @example
 * ```ts
 * export class ParseError extends Error {}
 * export const math = defineContract({
 *   add: procedure<{ a: number; b: number }, number>(),
 *   slow: procedure<number, string>({ timeout: 5_000 }),
 * }, { errors: [ParseError] })
 * ```
 */
export function defineContract<
  const TProcedures extends Procedures,
  const TEvents extends EventDefinitions = {},
  const THost extends HostProcedures = {},
  const TNotifications extends EventDefinitions = {},
>(procedures: TProcedures, options: ContractOptions<TEvents, THost, TNotifications> = {}): Contract<TProcedures, TEvents, THost, TNotifications> {
  checkObject(procedures, 'defineContract(procedures)')
  checkObject(options, 'defineContract(procedures, options)')
  const names = Object.keys(procedures).sort()
  for (const name of names) {
    if (name === 'then') throw new TypeError('defineContract: a procedure cannot be named "then" (it would make worker.call look like a promise)')
    const kind = (procedures[name] as { kind?: unknown } | undefined)?.kind
    if (kind !== 'procedure' && kind !== 'stream' && kind !== 'input-stream') {
      throw new TypeError(`defineContract: "${name}" is not a procedure; declare it with procedure(), stream() or inputStream()`)
    }
  }
  const errors = checkErrors(options.errors ?? [])
  const events = checkEvents(options.events ?? ({} as TEvents), 'events')
  const notifications = checkEvents(options.notifications ?? ({} as TNotifications), 'notifications')
  const host = checkHost(options.host ?? ({} as THost))
  return Object.freeze({
    procedures: Object.freeze({ ...procedures }),
    events: Object.freeze({ ...events }),
    host: Object.freeze({ ...host }),
    notifications: Object.freeze({ ...notifications }),
    errors: Object.freeze(errors),
    names: Object.freeze(names),
  })
}

/** Throws a TypeError unless every entry is a class extending Error, each with its own name. */
function checkErrors(errors: readonly ErrorClass[]): ErrorClass[] {
  if (!Array.isArray(errors)) throw new TypeError('defineContract({ errors }): errors must be an array of classes')
  const seen = new Set<string>()
  for (const errorClass of errors) {
    if (typeof errorClass !== 'function' || !(errorClass.prototype instanceof Error || errorClass === Error)) {
      throw new TypeError('defineContract({ errors }): each entry must be a class that extends Error')
    }
    if (seen.has(errorClass.name)) throw new TypeError(`defineContract({ errors }): two error classes are named "${errorClass.name}"; names must be unique`)
    seen.add(errorClass.name)
  }
  return [...errors]
}

/** Throws a TypeError unless every entry of `events` was declared with event(). */
function checkEvents<T extends EventDefinitions>(events: T, key: 'events' | 'notifications'): T {
  checkObject(events, `defineContract({ ${key} })`)
  for (const name of Object.keys(events)) {
    if ((events[name] as { kind?: unknown } | undefined)?.kind !== 'event') throw new TypeError(`defineContract({ ${key} }): "${name}" is not an event; declare it with event()`)
  }
  return events
}

/** Throws a TypeError unless every host procedure was declared with procedure(). */
function checkHost<T extends HostProcedures>(host: T): T {
  checkObject(host, 'defineContract({ host })')
  for (const name of Object.keys(host)) {
    if (name === 'then') throw new TypeError('defineContract({ host }): a host procedure cannot be named "then"')
    if ((host[name] as Partial<AnyProcedure> | undefined)?.kind !== 'procedure') {
      throw new TypeError(`defineContract({ host }): "${name}" is not a procedure; declare it with procedure() (streams are served by the worker only)`)
    }
  }
  return host
}

/** Throws a TypeError unless `contract` came from defineContract(). */
export function assertContract(contract: unknown, where: string): asserts contract is Contract {
  const candidate = contract as Partial<Contract> | null
  if (
    typeof candidate !== 'object' ||
    candidate === null ||
    !Array.isArray(candidate.names) ||
    typeof candidate.procedures !== 'object' ||
    typeof candidate.events !== 'object' ||
    typeof candidate.host !== 'object' ||
    typeof candidate.notifications !== 'object' ||
    !Array.isArray(candidate.errors)
  ) {
    throw new TypeError(`${where}: the contract must come from defineContract()`)
  }
}
