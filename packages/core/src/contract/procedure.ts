/**
 * Procedures: what a worker serves, declared by types (`procedure<Input, Output>()`) or by
 * Standard Schemas that validate at runtime.
 */
import { checkBoolean, checkObject } from '../base/option-checks.js'
import { checkTimeout } from '../base/timeouts.js'
import type { StandardSchemaV1 } from './standard-schema.js'

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
  /** Tells a procedure's declaration from a stream's or an event's in a contract. */
  readonly kind: 'procedure'
  /** Validates the input in the caller before sending and again in the worker. */
  readonly input: StandardSchemaV1 | undefined
  /** Validates the handler's result in the worker before it is sent back. */
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
 * The types a procedure declaration carries (`input`, `output`, `handlerInput`, ...).
 *
 * @example
 * ```ts
 * type AddInput = ProcedureTypes<typeof math.procedures.add>['input']
 * ```
 */
export type ProcedureTypes<P> = P extends { readonly '~types'?: infer T } ? NonNullable<T> : never

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
  timeout?: number | undefined
  /**
   * Running a call twice does no harm (a pure computation, a lookup). A pool whose worker dies
   * retries an idempotent call once on a fresh worker instead of failing it. Default false.
   */
  idempotent?: boolean | undefined
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
  ({ input: StandardSchemaV1; output?: StandardSchemaV1 | undefined } | { input?: StandardSchemaV1 | undefined; output: StandardSchemaV1 })

/**
 * The type a Standard Schema accepts (what the caller passes), or `unknown` when `S` is no
 * schema: the input types of a procedure declared with schemas.
 *
 * @example
 * ```ts
 * type FibInput = InputOfSchema<typeof fibInputSchema> // z.input<typeof fibInputSchema>
 * ```
 */
export type InputOfSchema<S> = S extends StandardSchemaV1 ? StandardSchemaV1.InferInput<S> : unknown

/**
 * The type a Standard Schema produces (what the handler gets), or `unknown` when `S` is no
 * schema: the output types of a procedure declared with schemas.
 *
 * @example
 * ```ts
 * type FibHandlerInput = OutputOfSchema<typeof fibInputSchema> // z.output<typeof fibInputSchema>
 * ```
 */
export type OutputOfSchema<S> = S extends StandardSchemaV1 ? StandardSchemaV1.InferOutput<S> : unknown

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
): Procedure<InputOfSchema<TOptions['input']>, OutputOfSchema<TOptions['output']>, OutputOfSchema<TOptions['input']>, InputOfSchema<TOptions['output']>>
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
  checkObject(options, 'procedure(options)')
  for (const key of ['input', 'output'] as const) {
    const schema = options[key]
    if (schema !== undefined && typeof schema?.['~standard']?.validate !== 'function') {
      throw new TypeError(`procedure({ ${key} }): expected a Standard Schema (zod, valibot, arktype, ...), got ${typeof schema}`)
    }
  }
  checkTimeout(options.timeout, 'timeout', 'procedure()')
  checkBoolean(options.idempotent, 'procedure({ idempotent })')
  return Object.freeze({ kind: 'procedure', input: options.input, output: options.output, timeout: options.timeout, idempotent: options.idempotent === true })
}
