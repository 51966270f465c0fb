/**
 * `@forkrpc/tracing`: OpenTelemetry tracing across the fork. With `tracingInterceptors()` on
 * both sides, the active trace context travels with each call (in its metadata) and the
 * worker's handler runs inside it, so a span started in the parent has the worker's work as its
 * children, in a child process or a worker thread. Needs `@opentelemetry/api` (a peer
 * dependency) and, to record anything, an OpenTelemetry SDK on each side.
 *
 * @remarks
 * Built on the interceptors (`Interceptors` of `@forkrpc/core`). packages/tracing/README.md has
 * what it records, what each side needs and what is not traced. `@opentelemetry/api` 1.x is its
 * peer dependency.
 *
 * @example
 * ```ts
 * import { tracingInterceptors } from '@forkrpc/tracing'
 * const worker = await fork(contract, url, { interceptors: tracingInterceptors() })
 * ```
 * @packageDocumentation
 */
export { tracingInterceptors } from './tracing-interceptors.js'
export type { TracingInterceptors } from './tracing-interceptors.js'
export type { TracingOptions } from './tracing-options.js'
