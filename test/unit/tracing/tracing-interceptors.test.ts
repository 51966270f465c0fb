/**
 * @forkrpc/tracing in memory (a test pair, both sides in this process): the CLIENT span of each
 * call, its context in the call's metadata, the SERVER span its handler runs in, errors, streams
 * (a span lasts as long as its stream), input streams, host calls, and the options.
 */
import { readFileSync } from 'node:fs'
import { trace } from '@opentelemetry/api'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { defineContract, inputStream, procedure, stream, type CallInterceptor, type HandlerContext, type HandlerInterceptor } from '@forkrpc/core'
import { tracingInterceptors, type TracingOptions } from '@forkrpc/tracing'
import { startTracingSdk, type SpanRecord, type TestSdk } from '../../fixtures/tracing-sdk.js'
import { pairFor } from '../support.js'

class Boom extends Error {
  override name = 'Boom'
}

const contract = defineContract(
  {
    active: procedure<void, { spanId: string | undefined; metadata: Record<string, string> }>(),
    fail: procedure<void, never>(),
    count: stream<number, number>(),
    sum: inputStream<number, number>(),
    askHost: procedure<void, string>(),
  },
  { errors: [Boom], host: { name: procedure<void, string>() } },
)

const activeSpanId = (): string | undefined => trace.getActiveSpan()?.spanContext().spanId

const handlers = {
  active: async (_input: void, ctx: HandlerContext) => {
    await new Promise((resolve) => setTimeout(resolve, 1)) // the span stays active across awaits
    return { spanId: activeSpanId(), metadata: { ...ctx.metadata } }
  },
  fail: (): never => {
    throw new Boom('no luck')
  },
  async *count(n: number) {
    if (n < 0) throw new Boom('negative count')
    for (let i = 0; i < n; i++) {
      await new Promise((resolve) => setImmediate(resolve))
      // Each chunk says which span was active in the generator's body when it was made.
      yield activeSpanId() === undefined ? -1 : i
    }
  },
  async sum(numbers: AsyncIterable<number>) {
    let total = 0
    for await (const n of numbers) total += n
    return total + (activeSpanId() === undefined ? 1_000 : 0)
  },
  askHost: (_input: void, ctx: { host: { name(): Promise<string> } }) => ctx.host.name(),
}

let sdk: TestSdk
beforeAll(() => {
  sdk = startTracingSdk()
})
afterEach(() => sdk.reset())
afterAll(() => sdk.shutdown())

/** A test pair with tracing on both sides (this process is both sides: one provider). */
function tracedPair(options: TracingOptions = {}) {
  const interceptors = tracingInterceptors({ tracerProvider: sdk.provider, ...options })
  return pairFor(contract, handlers, { interceptors, workerInterceptors: interceptors, host: { name: () => `host span ${activeSpanId() ?? 'none'}` } })
}

/** Runs `work` inside a span named `request` (the parent's active span), which ends after it. */
async function inRequest<T>(work: () => Promise<T>): Promise<{ result: T; requestSpanId: string }> {
  return sdk.provider.getTracer('test').startActiveSpan('request', async (span) => {
    try {
      return { result: await work(), requestSpanId: span.spanContext().spanId }
    } finally {
      span.end()
    }
  })
}

const byKind = (spans: SpanRecord[], kind: SpanRecord['kind'], name?: string): SpanRecord => {
  const found = spans.filter((span) => span.kind === kind && (name === undefined || span.name === name))
  expect(found, `one ${kind} span${name === undefined ? '' : ` named ${name}`} in ${JSON.stringify(spans.map((s) => `${s.kind} ${s.name}`))}`).toHaveLength(1)
  return found[0] as SpanRecord
}

describe('tracingInterceptors() in a test pair', () => {
  it("makes a CLIENT span, child of the caller's active span, and a SERVER span, child of it, that the handler runs in", async () => {
    const pair = tracedPair()
    const { result, requestSpanId } = await inRequest(() => pair.call.active())
    const spans = sdk.finished()
    const client = byKind(spans, 'CLIENT')
    const server = byKind(spans, 'SERVER')
    const request = byKind(spans, 'INTERNAL', 'request')
    expect(new Set(spans.map((span) => span.traceId)).size).toBe(1)
    expect(client.parentSpanId).toBe(requestSpanId)
    expect(server.parentSpanId).toBe(client.spanId)
    expect(result.spanId).toBe(server.spanId)
    expect(request.spanId).toBe(requestSpanId)
    expect(client).toMatchObject({ name: 'forkrpc active', status: 'UNSET', attributes: { 'rpc.system': 'forkrpc', 'rpc.method': 'active', 'rpc.forkrpc.kind': 'procedure' } })
    expect(server).toMatchObject({ name: 'forkrpc active', status: 'UNSET', attributes: { 'rpc.system': 'forkrpc', 'rpc.method': 'active', 'rpc.forkrpc.kind': 'procedure' } })
    expect(client.attributes['rpc.service']).toBeUndefined()
  })

  it('sends the W3C traceparent of the CLIENT span in the call metadata', async () => {
    const pair = tracedPair()
    const { result } = await inRequest(() => pair.call.active())
    const client = byKind(sdk.finished(), 'CLIENT')
    expect(result.metadata).toEqual({ traceparent: `00-${client.traceId}-${client.spanId}-01` })
  })

  it('starts a new trace for a call made outside any span: the CLIENT span is its root', async () => {
    const pair = tracedPair()
    await pair.call.active()
    const spans = sdk.finished()
    expect(byKind(spans, 'CLIENT').parentSpanId).toBeUndefined()
    expect(byKind(spans, 'SERVER').parentSpanId).toBe(byKind(spans, 'CLIENT').spanId)
  })

  it('records a failed handler on both spans: status ERROR, an exception event, error.type', async () => {
    const pair = tracedPair()
    await expect(pair.call.fail()).rejects.toBeInstanceOf(Boom)
    for (const span of [byKind(sdk.finished(), 'CLIENT'), byKind(sdk.finished(), 'SERVER')]) {
      expect(span).toMatchObject({ status: 'ERROR', statusMessage: 'no luck', exceptionMessage: 'no luck', events: ['exception'], attributes: { 'error.type': 'Boom' } })
    }
  })

  it("ends a stream's spans when the stream ends, not before, and runs the generator's body inside the SERVER span", async () => {
    const pair = tracedPair()
    const chunks: number[] = []
    const iterator = pair.call.count(3)[Symbol.asyncIterator]()
    const first = await iterator.next()
    chunks.push(first.value as number)
    expect(sdk.finished().filter((span) => span.kind === 'CLIENT')).toEqual([])
    for (let step = await iterator.next(); step.done !== true; step = await iterator.next()) chunks.push(step.value)
    expect(chunks).toEqual([0, 1, 2])
    const spans = sdk.finished()
    expect(byKind(spans, 'SERVER').parentSpanId).toBe(byKind(spans, 'CLIENT').spanId)
    expect(byKind(spans, 'CLIENT')).toMatchObject({ status: 'UNSET', attributes: { 'rpc.forkrpc.kind': 'stream' } })
  })

  it('ends the spans of a stream that the consumer breaks off, without an error, once the generator has stopped', async () => {
    const pair = tracedPair()
    for await (const chunk of pair.call.count(1_000)) if (chunk === 1) break
    expect(byKind(sdk.finished(), 'CLIENT')).toMatchObject({ status: 'UNSET', events: [] })
    // The cancel reaches the generator after `break` returns: its span ends then.
    const server = await vi.waitFor(() => byKind(sdk.finished(), 'SERVER'))
    expect(server).toMatchObject({ status: 'UNSET', events: [], parentSpanId: byKind(sdk.finished(), 'CLIENT').spanId })
  })

  it('records a stream whose generator throws on both spans', async () => {
    const pair = tracedPair()
    await expect(pair.call.count(-1).next()).rejects.toBeInstanceOf(Boom)
    for (const span of [byKind(sdk.finished(), 'CLIENT'), byKind(sdk.finished(), 'SERVER')]) {
      expect(span).toMatchObject({ status: 'ERROR', exceptionMessage: 'negative count', attributes: { 'error.type': 'Boom', 'rpc.forkrpc.kind': 'stream' } })
    }
  })

  it('ends the CLIENT span with the error of an interceptor after it that throws, and runs that interceptor inside the span', async () => {
    const tracing = tracingInterceptors({ tracerProvider: sdk.provider })
    let activeInside: string | undefined
    const refuse: CallInterceptor = () => {
      activeInside = activeSpanId()
      throw new TypeError('refused')
    }
    const pair = pairFor(contract, handlers, { interceptors: { call: [...tracing.call, refuse] }, host: { name: () => '' } })
    await expect(pair.call.active()).rejects.toThrow('refused')
    const client = byKind(sdk.finished(), 'CLIENT')
    expect(client).toMatchObject({ status: 'ERROR', statusMessage: 'refused', attributes: { 'error.type': 'TypeError' } })
    expect(activeInside).toBe(client.spanId)
    expect(sdk.finished().filter((span) => span.kind === 'SERVER')).toEqual([])
  })

  it('follows streams that async interceptors after its own hand on as promises, on both sides', async () => {
    const tracing = tracingInterceptors({ tracerProvider: sdk.provider })
    const asyncCall: CallInterceptor = async (call, next) => next(call)
    const asyncHandler: HandlerInterceptor = async (call, next) => next(call.input)
    const pair = pairFor(contract, handlers, {
      interceptors: { call: [...tracing.call, asyncCall] },
      workerInterceptors: { handler: [...tracing.handler, asyncHandler] },
      host: { name: () => '' },
    })
    const chunks: number[] = []
    for await (const chunk of pair.call.count(3)) chunks.push(chunk)
    expect(chunks).toEqual([0, 1, 2]) // the generator's body ran inside the SERVER span
    const spans = sdk.finished()
    expect(byKind(spans, 'SERVER')).toMatchObject({ status: 'UNSET', parentSpanId: byKind(spans, 'CLIENT').spanId })
  })

  it('traces an input stream, whose handler reads its chunks inside the SERVER span', async () => {
    const pair = tracedPair()
    expect(await pair.call.sum([1, 2, 3])).toBe(6)
    const spans = sdk.finished()
    expect(byKind(spans, 'SERVER')).toMatchObject({ parentSpanId: byKind(spans, 'CLIENT').spanId, attributes: { 'rpc.forkrpc.kind': 'input-stream' } })
  })

  it("traces the handler's host calls: a CLIENT span inside its SERVER span, and the host handler's own SERVER span", async () => {
    const pair = tracedPair()
    const answer = await pair.call.askHost()
    const spans = sdk.finished()
    const outer = byKind(spans, 'SERVER', 'forkrpc askHost')
    const hostCall = byKind(spans, 'CLIENT', 'forkrpc name')
    const hostHandler = byKind(spans, 'SERVER', 'forkrpc name')
    expect(hostCall.parentSpanId).toBe(outer.spanId)
    expect(hostHandler.parentSpanId).toBe(hostCall.spanId)
    expect(answer).toBe(`host span ${hostHandler.spanId}`)
  })

  it('names the spans <service>/<procedure> and sets rpc.service with the service option', async () => {
    const pair = tracedPair({ service: 'thumbnails' })
    await pair.call.active()
    expect(byKind(sdk.finished(), 'CLIENT')).toMatchObject({ name: 'thumbnails/active', attributes: { 'rpc.service': 'thumbnails', 'rpc.method': 'active' } })
  })

  it('uses the global tracer provider by default, even one registered after the interceptors were made', async () => {
    const interceptors = tracingInterceptors()
    const pair = pairFor(contract, handlers, { interceptors, workerInterceptors: interceptors, host: { name: () => '' } })
    await pair.call.active()
    expect(sdk.finished()).toEqual([])
    trace.setGlobalTracerProvider(sdk.provider)
    try {
      await pair.call.active()
      expect(sdk.finished().map((span) => span.kind).sort()).toEqual(['CLIENT', 'SERVER'])
    } finally {
      trace.disable()
    }
  })

  it('changes nothing without them: no metadata, no spans of their own', async () => {
    const pair = pairFor(contract, handlers, { host: { name: () => '' } })
    const { result, requestSpanId } = await inRequest(() => pair.call.active())
    // In memory, the handler runs in the caller's async context (the context manager's doing,
    // not forkrpc's); over a process or a thread it would see no span at all.
    expect(result).toEqual({ spanId: requestSpanId, metadata: {} })
    expect(sdk.finished().map((span) => span.name)).toEqual(['request'])
  })

  it('refuses options of the wrong type with a TypeError', () => {
    expect(() => tracingInterceptors({ service: '' })).toThrow(TypeError)
    expect(() => tracingInterceptors({ tracerProvider: {} as never })).toThrow(/not a TracerProvider/)
    expect(() => tracingInterceptors({ propagator: { inject() {} } as never })).toThrow(/not a TextMapPropagator/)
    expect(() => tracingInterceptors(null as never)).toThrow(TypeError)
  })

  it("names its tracer @forkrpc/tracing at the package's version", async () => {
    const pair = tracedPair()
    const seen: Array<{ name: string; version: string | undefined }> = []
    const provider = sdk.provider
    const getTracer = provider.getTracer.bind(provider)
    const spy = { getTracer: (name: string, version?: string) => (seen.push({ name, version }), getTracer(name, version)) }
    tracingInterceptors({ tracerProvider: spy })
    const { version } = JSON.parse(readFileSync(new URL('../../../packages/tracing/package.json', import.meta.url), 'utf8')) as { version: string }
    expect(seen).toEqual([{ name: '@forkrpc/tracing', version }])
    await pair.close()
  })
})
