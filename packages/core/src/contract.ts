/**
 * The contract: the procedures a worker serves, declared once as plain data and imported
 * by both the parent and the child. Types flow from it into the parent's client
 * (`worker.call`) and the child's handlers (`serve`).
 */
import type { EventDefinitions } from './event.js'
import type { StandardSchemaV1 } from './standard-schema.js'
import type { AnyInputStreamProcedure, AnyStreamProcedure } from './stream.js'

/**
 * One procedure of a contract. `TInput` is what the caller passes and `TOutput` what it
 * gets back; with schemas, the handler sees the schema's parsed input (`THandlerInput`)
 * and returns the output schema's input type (`THandlerOutput`).
 *
 * @example
 * ```ts
 * const add: Procedure<{ a: number; b: number }, number> = procedure<{ a: number; b: number }, number>()
 * ```
 */
export interface Procedure<TInput, TOutput, THandlerInput = TInput, THandlerOutput = TOutput> {
  readonly kind: 'procedure'
  /** Validates the input in the parent before sending and again in the child. */
  readonly input: StandardSchemaV1 | undefined
  /** Validates the handler's result in the child before it is sent back. */
  readonly output: StandardSchemaV1 | undefined
  /** The default timeout of this procedure's calls, in milliseconds. */
  readonly timeout: number | undefined
  /** Whether a call may safely run twice: a pool retries it once on a fresh worker when its worker dies. */
  readonly idempotent: boolean
  /** Type-level only; never set at runtime. */
  readonly '~types'?: { input: TInput; output: TOutput; handlerInput: THandlerInput; handlerOutput: THandlerOutput }
}

/**
 * Any procedure, whatever its types.
 *
 * @example
 * ```ts
 * const procedures: Record<string, AnyProcedure> = { add: procedure<number, number>() }
 * ```
 */
export type AnyProcedure = Procedure<unknown, unknown, unknown, unknown>

/**
 * Options shared by every kind of procedure.
 *
 * @example
 * ```ts
 * const slow = procedure<number, string>({ timeout: 5_000 } satisfies ProcedureOptions)
 * ```
 */
export interface ProcedureOptions {
  /** Default timeout in milliseconds for calls of this procedure (a call's own `timeout` wins). */
  timeout?: number
  /**
   * Running a call twice does no harm (a pure computation, a lookup). A pool whose worker dies
   * retries an idempotent call once on a fresh worker instead of failing it. Default false.
   */
  idempotent?: boolean
}

/**
 * Options of a procedure validated at runtime by Standard Schemas (zod, valibot, arktype, ...).
 *
 * @example
 * ```ts
 * const fib = procedure({ input: z.object({ n: z.number() }), output: z.number(), timeout: 1_000 })
 * ```
 */
export type SchemaProcedureOptions = ProcedureOptions &
  ({ input: StandardSchemaV1; output?: StandardSchemaV1 } | { input?: StandardSchemaV1; output: StandardSchemaV1 })

type InputOfSchema<S> = S extends StandardSchemaV1 ? StandardSchemaV1.InferInput<S> : unknown
type OutputOfSchema<S> = S extends StandardSchemaV1 ? StandardSchemaV1.InferOutput<S> : unknown

/**
 * Declares a procedure. Either give its types (`procedure<Input, Output>()`) or give
 * Standard Schemas that validate at runtime and from which the types are inferred.
 *
 * @example
 * ```ts
 * import { z } from 'zod'
 * const add = procedure<{ a: number; b: number }, number>()
 * const slow = procedure<number, string>({ timeout: 5_000 })
 * const fib = procedure({ input: z.object({ n: z.number().int().min(0) }), output: z.number() })
 * ```
 */
export function procedure<const TOptions extends SchemaProcedureOptions>(
  options: TOptions,
): Procedure<
  InputOfSchema<TOptions['input']>,
  OutputOfSchema<TOptions['output']>,
  OutputOfSchema<TOptions['input']>,
  InputOfSchema<TOptions['output']>
>
/**
 * Declares a procedure by its types only.
 *
 * @example
 * ```ts
 * const add = procedure<{ a: number; b: number }, number>()
 * ```
 */
// NoInfer: without it, `procedure()` inside defineContract({...}) would infer `unknown`
// from the contract's constraint instead of taking the `void` defaults.
export function procedure<TInput = void, TOutput = void>(options?: ProcedureOptions): Procedure<NoInfer<TInput>, NoInfer<TOutput>>
export function procedure(options: { input?: StandardSchemaV1; output?: StandardSchemaV1; timeout?: number; idempotent?: boolean } = {}): AnyProcedure {
  if (typeof options !== 'object' || options === null) throw new TypeError('procedure(options): options must be an object')
  for (const key of ['input', 'output'] as const) {
    const schema = options[key]
    if (schema !== undefined && typeof schema?.['~standard']?.validate !== 'function') {
      throw new TypeError(`procedure({ ${key} }): expected a Standard Schema (zod, valibot, arktype, ...), got ${typeof schema}`)
    }
  }
  checkTimeout(options.timeout, 'procedure({ timeout })')
  if (options.idempotent !== undefined && typeof options.idempotent !== 'boolean') {
    throw new TypeError(`procedure({ idempotent }): expected a boolean, got ${typeof options.idempotent}`)
  }
  return Object.freeze({ kind: 'procedure', input: options.input, output: options.output, timeout: options.timeout, idempotent: options.idempotent === true })
}

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
 * A record of the procedures the parent serves for the child (no streams).
 *
 * @example
 * ```ts
 * const host = { getConfig: procedure<string, string>() } satisfies HostProcedures
 * ```
 */
export type HostProcedures = Readonly<Record<string, AnyProcedure>>

/**
 * A class whose instances come back as themselves when thrown in the child.
 *
 * @example
 * ```ts
 * class ParseError extends Error {}
 * const errors: ErrorClass[] = [ParseError]
 * ```
 */
export type ErrorClass = abstract new (...args: never[]) => Error

/**
 * A contract: procedures plus the error classes that should keep their class across the
 * channel. Plain data, created by {@link defineContract}.
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
  readonly procedures: TProcedures
  /** The events that handlers emit to the parent (`ctx.emit`, `worker.on`). */
  readonly events: TEvents
  /** The procedures the parent serves for the child (`ctx.host` in a handler; `host` handlers in `fork()`). */
  readonly host: THost
  /** Fire-and-forget messages the parent sends the child (`worker.notify`, `serve(..., { notifications })`). */
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
  /**
   * Fire-and-forget notifications from the parent to the child, declared with
   * `event<Payload>()`: `worker.notify(name, payload)` in the parent, handled by
   * `serve(contract, handlers, { notifications: { name: (payload) => ... } })` in the child.
   */
  notifications?: TNotifications
  /** Events that handlers emit to the parent, declared with `event<Payload>()`. */
  events?: TEvents
  /**
   * Procedures that the parent serves for the child (two-way calls): the child calls them
   * with `ctx.host.name(input)`, and the parent must pass their handlers to `fork()` /
   * `spawnThread()` as `host`. Streams are not supported in this direction.
   */
  host?: THost
  /**
   * Error classes that come back as instances of themselves (so `instanceof` works in the
   * parent). They are matched by class name, so each name must be unique.
   */
  errors?: readonly ErrorClass[]
}

/**
 * Declares a contract. Import it from both the parent and the worker module.
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
  if (typeof procedures !== 'object' || procedures === null) throw new TypeError('defineContract(procedures): procedures must be an object')
  const names = Object.keys(procedures).sort()
  for (const name of names) {
    if (name === 'then') throw new TypeError('defineContract: a procedure cannot be named "then" (it would make worker.call look like a promise)')
    const kind = (procedures[name] as { kind?: unknown } | undefined)?.kind
    if (kind !== 'procedure' && kind !== 'stream' && kind !== 'input-stream') {
      throw new TypeError(`defineContract: "${name}" is not a procedure; declare it with procedure(), stream() or inputStream()`)
    }
  }
  const errors = [...(options.errors ?? [])]
  const seen = new Set<string>()
  for (const errorClass of errors) {
    if (typeof errorClass !== 'function' || !(errorClass.prototype instanceof Error || errorClass === Error)) {
      throw new TypeError('defineContract({ errors }): each entry must be a class that extends Error')
    }
    if (seen.has(errorClass.name)) throw new TypeError(`defineContract({ errors }): two error classes are named "${errorClass.name}"; names must be unique`)
    seen.add(errorClass.name)
  }
  const events = checkEvents(options.events ?? ({} as TEvents), 'events')
  const notifications = checkEvents(options.notifications ?? ({} as TNotifications), 'notifications')
  const host = options.host ?? ({} as THost)
  if (typeof host !== 'object' || host === null) throw new TypeError('defineContract({ host }): host must be an object')
  for (const name of Object.keys(host)) {
    if (name === 'then') throw new TypeError('defineContract({ host }): a host procedure cannot be named "then"')
    if ((host[name] as Partial<AnyProcedure> | undefined)?.kind !== 'procedure') {
      throw new TypeError(`defineContract({ host }): "${name}" is not a procedure; declare it with procedure() (streams are served by the child only)`)
    }
  }
  return Object.freeze({
    procedures: Object.freeze({ ...procedures }),
    events: Object.freeze({ ...events }),
    host: Object.freeze({ ...host }),
    notifications: Object.freeze({ ...notifications }),
    errors: Object.freeze(errors),
    names: Object.freeze(names),
  })
}

/** Throws a TypeError unless every entry of `events` was declared with event(). */
function checkEvents<T extends EventDefinitions>(events: T, key: 'events' | 'notifications'): T {
  if (typeof events !== 'object' || events === null) throw new TypeError(`defineContract({ ${key} }): ${key} must be an object`)
  for (const name of Object.keys(events)) {
    if ((events[name] as { kind?: unknown } | undefined)?.kind !== 'event') throw new TypeError(`defineContract({ ${key} }): "${name}" is not an event; declare it with event()`)
  }
  return events
}

/**
 * The longest delay setTimeout honours (about 24.8 days); beyond it, it fires at once.
 *
 * @example
 * ```ts
 * const wait = ms > MAX_TIMER_MS ? Infinity : ms
 * ```
 */
export const MAX_TIMER_MS = 2 ** 31 - 1

/** Throws a TypeError unless `timeout` is undefined, a non-negative number or Infinity. */
export function checkTimeout(timeout: unknown, where: string): void {
  if (timeout !== undefined && (typeof timeout !== 'number' || Number.isNaN(timeout) || timeout < 0)) {
    throw new TypeError(`${where}: timeout must be a non-negative number of milliseconds (or Infinity), got ${String(timeout)}`)
  }
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
