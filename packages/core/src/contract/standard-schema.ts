/**
 * The Standard Schema v1 interface (https://standardschema.dev), copied here as the
 * spec intends, so that forkrpc accepts zod, valibot, arktype and any other compliant
 * schema without depending on any of them.
 *
 * @example
 * ```ts
 * import { z } from 'zod'
 * const schema: StandardSchemaV1<{ n: number }> = z.object({ n: z.number() })
 * ```
 */
export interface StandardSchemaV1<Input = unknown, Output = Input> {
  /** The Standard Schema interface of the schema. */
  readonly '~standard': StandardSchemaV1.Props<Input, Output>
}

/**
 * Types that belong to {@link (StandardSchemaV1:interface)}.
 *
 * @example
 * ```ts
 * type Parsed = StandardSchemaV1.InferOutput<typeof schema>
 * ```
 */
export declare namespace StandardSchemaV1 {
  /** The `~standard` property of a schema. */
  export interface Props<Input = unknown, Output = Input> {
    /** The version of the Standard Schema spec. */
    readonly version: 1
    /** The library that made the schema (`zod`, `valibot`, ...). */
    readonly vendor: string
    /** Validates a value: its output, or the issues found. */
    readonly validate: (value: unknown) => Result<Output> | Promise<Result<Output>>
    /** The input and output types, for type inference only. */
    readonly types?: Types<Input, Output> | undefined
  }
  /** What `validate` returns. */
  export type Result<Output> = SuccessResult<Output> | FailureResult
  /** A successful validation. */
  export interface SuccessResult<Output> {
    /** The value, validated (and maybe transformed). */
    readonly value: Output
    /** No issues: the value is valid. */
    readonly issues?: undefined
  }
  /** A failed validation. */
  export interface FailureResult {
    /** What is wrong with the value. */
    readonly issues: ReadonlyArray<Issue>
  }
  /** One problem found by a schema. */
  export interface Issue {
    /** What is wrong, in words. */
    readonly message: string
    /** Where in the value, when not at its root. */
    readonly path?: ReadonlyArray<PropertyKey | PathSegment> | undefined
  }
  /** A step of an issue's path. */
  export interface PathSegment {
    /** The key of this segment of the path. */
    readonly key: PropertyKey
  }
  /** The schema's input and output types. */
  export interface Types<Input = unknown, Output = Input> {
    /** The type the schema accepts. */
    readonly input: Input
    /** The type the schema produces. */
    readonly output: Output
  }
  /** The type a schema accepts. */
  export type InferInput<S extends StandardSchemaV1> = NonNullable<S['~standard']['types']>['input']
  /** The type a schema produces. */
  export type InferOutput<S extends StandardSchemaV1> = NonNullable<S['~standard']['types']>['output']
}
