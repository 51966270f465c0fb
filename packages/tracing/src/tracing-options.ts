/**
 * The options of `tracingInterceptors()`, and what they resolve to once: the tracer, the
 * propagator and the span's name and attributes (OpenTelemetry's semantic conventions for RPC).
 */
import { defaultTextMapGetter, defaultTextMapSetter, propagation, trace, type Attributes, type Context, type TextMapPropagator, type Tracer, type TracerProvider } from '@opentelemetry/api'
import type { CallKind } from '@forkrpc/core'

/** The instrumentation scope of the spans: this package, at this version (a test keeps it in step with package.json). */
export const TRACER_NAME = '@forkrpc/tracing'
export const TRACER_VERSION = '0.2.0'

/**
 * The options of `tracingInterceptors()`. All are optional: by default the spans go to the
 * global tracer provider and the context travels through the global propagator, the ones that
 * the OpenTelemetry SDK registers (`NodeSDK`, or `provider.register()`).
 *
 * @example
 * ```ts
 * const options: TracingOptions = { tracerProvider: provider, service: 'thumbnails' }
 * await fork(thumbnails, url, { interceptors: tracingInterceptors(options) })
 * ```
 */
export interface TracingOptions {
  /** Where the spans go; default: the global tracer provider (`trace.getTracerProvider()`), which may be registered after this call. */
  tracerProvider?: TracerProvider | undefined
  /** How the context is written into a call's metadata and read back; default: the global propagator (`propagation`), W3C trace context once an SDK is registered. */
  propagator?: TextMapPropagator | undefined
  /** The `rpc.service` attribute, and the span name becomes `<service>/<procedure>`; default: none, and the span name is `forkrpc <procedure>`. */
  service?: string | undefined
}

/** What the interceptors of both sides share, resolved from the options once. */
export interface Tracing {
  readonly tracer: Tracer
  /** Writes `context` into `carrier` (a call's metadata). */
  inject(context: Context, carrier: Record<string, string>): void
  /** Reads the context a caller sent in `carrier` (the handler's `ctx.metadata`), on top of `context`. */
  extract(context: Context, carrier: Readonly<Record<string, string>>): Context
  /** The span's name for a call of `procedure`. */
  spanName(procedure: string): string
  /** The span's attributes for a call of `procedure`. */
  attributes(procedure: string, kind: CallKind): Attributes
}

/** Resolves the options, checking them (a TypeError for a wrong type, as forkrpc's own options do). */
export function resolveTracing(options: TracingOptions = {}): Tracing {
  if (typeof options !== 'object' || options === null) throw new TypeError(`tracingInterceptors(options): options must be an object, got ${options === null ? 'null' : typeof options}`)
  const { tracerProvider, propagator, service } = options
  if (service !== undefined && (typeof service !== 'string' || service === '')) throw new TypeError('tracingInterceptors({ service }): service must be a non-empty string')
  if (tracerProvider !== undefined && typeof tracerProvider?.getTracer !== 'function') throw new TypeError('tracingInterceptors({ tracerProvider }): not a TracerProvider (it has no getTracer())')
  if (propagator !== undefined && (typeof propagator?.inject !== 'function' || typeof propagator.extract !== 'function')) {
    throw new TypeError('tracingInterceptors({ propagator }): not a TextMapPropagator (it needs inject() and extract())')
  }
  // The global API's tracer is a proxy: it follows a provider registered after this call.
  const tracer = (tracerProvider ?? trace.getTracerProvider()).getTracer(TRACER_NAME, TRACER_VERSION)
  return {
    tracer,
    inject: (context, carrier) => (propagator ?? propagation).inject(context, carrier, defaultTextMapSetter),
    extract: (context, carrier) => (propagator ?? propagation).extract(context, carrier, defaultTextMapGetter),
    spanName: (procedure) => (service === undefined ? `forkrpc ${procedure}` : `${service}/${procedure}`),
    attributes: (procedure, kind) => {
      const attributes: Attributes = { 'rpc.system': 'forkrpc', 'rpc.method': procedure, 'rpc.forkrpc.kind': kind }
      if (service !== undefined) attributes['rpc.service'] = service
      return attributes
    },
  }
}
