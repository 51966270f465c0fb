/**
 * @forkrpc/tracing across a real fork and a real thread: the OpenTelemetry SDK runs on both
 * sides (spans kept in memory; the worker hands its own back through `spans()`), and the two
 * halves of each trace must join: one trace id, the worker's SERVER span a child of the
 * parent's CLIENT span, itself a child of the span active where the call was made.
 */
import { trace } from '@opentelemetry/api'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { spawnThread, type ContractWorker, type Interceptors } from '@forkrpc/core'
import type { ForkForTestOptions } from '@forkrpc/testing/vitest'
import { tracingInterceptors } from '@forkrpc/tracing'
import { Boom, traced } from '../../fixtures/tracing.contract.js'
import { startTracingSdk, type SpanRecord, type TestSdk } from '../../fixtures/tracing-sdk.js'
import { fixture, forkFixture, tsx } from '../../helpers.js'

let sdk: TestSdk
beforeAll(() => {
  sdk = startTracingSdk()
})
afterEach(() => sdk.reset())
afterAll(() => sdk.shutdown())

/** The parent's host handler: answers with the span it runs in. */
const host = { lookup: (key: string) => `${key} in ${trace.getActiveSpan()?.spanContext().spanId ?? 'none'}` }

/** How the worker starts: traced on both sides, or on neither. */
interface Start {
  interceptors: Interceptors | undefined
  env: NodeJS.ProcessEnv
}

const threads: Array<ContractWorker<typeof traced>> = []
afterEach(async () => {
  await Promise.all(threads.splice(0).map((worker) => worker.close({ grace: 0, killTimeout: 500 })))
})

const transports = {
  process: ({ interceptors, env }: Start) => {
    // A variable, not a literal: forkForTest passes `host` on to fork() for a contract that has one.
    const options: ForkForTestOptions & { host: typeof host } = { interceptors, env, host }
    return forkFixture(traced, 'tracing.worker.ts', options)
  },
  thread: async ({ interceptors, env }: Start) => {
    const worker = await spawnThread(traced, fixture('tracing.worker.ts'), { execArgv: tsx, interceptors, env, host })
    threads.push(worker)
    return worker
  },
}

const tracedStart = (): Start => ({ interceptors: tracingInterceptors({ tracerProvider: sdk.provider }), env: { ...process.env } })

/** Runs `work` inside a span named `request` (the parent's active span), which ends after it. */
async function inRequest<T>(work: () => Promise<T>): Promise<{ result: T; requestSpanId: string; traceId: string }> {
  return sdk.provider.getTracer('test').startActiveSpan('request', async (span) => {
    try {
      return { result: await work(), requestSpanId: span.spanContext().spanId, traceId: span.spanContext().traceId }
    } finally {
      span.end()
    }
  })
}

function only(spans: SpanRecord[], kind: SpanRecord['kind'], name: string): SpanRecord {
  const found = spans.filter((span) => span.kind === kind && span.name === name)
  expect(found, `one ${kind} span named ${name} in ${JSON.stringify(spans.map((s) => `${s.kind} ${s.name}`))}`).toHaveLength(1)
  return found[0] as SpanRecord
}

describe.each(Object.entries(transports))('tracing across a %s', (_name, start) => {
  it("joins both halves of a trace: the parent's active span, its CLIENT span, the worker's SERVER span and the handler's own span", async () => {
    const worker = await start(tracedStart())
    const { result, requestSpanId, traceId } = await inRequest(() => worker.call.work('resize'))
    const mine = sdk.finished()
    const theirs = await worker.call.spans()
    const client = only(mine, 'CLIENT', 'forkrpc work')
    const server = only(theirs, 'SERVER', 'forkrpc work')
    const inner = only(theirs, 'INTERNAL', 'inner resize')
    expect([client.traceId, server.traceId, inner.traceId]).toEqual([traceId, traceId, traceId])
    expect(client.parentSpanId).toBe(requestSpanId)
    expect(server.parentSpanId).toBe(client.spanId)
    expect(inner.parentSpanId).toBe(server.spanId)
    expect(result.activeSpanId).toBe(server.spanId)
    expect(result.innerSpanId).toBe(inner.spanId)
    expect(result.metadata).toEqual({ traceparent: `00-${traceId}-${client.spanId}-01` })
    expect(server).toMatchObject({ status: 'UNSET', attributes: { 'rpc.system': 'forkrpc', 'rpc.method': 'work', 'rpc.forkrpc.kind': 'procedure' } })
  })

  it('records a throwing handler on both sides: status ERROR and the exception', async () => {
    const worker = await start(tracedStart())
    const { result } = await inRequest(() => worker.call.fail().catch((error: unknown) => error))
    expect(result).toBeInstanceOf(Boom)
    const client = only(sdk.finished(), 'CLIENT', 'forkrpc fail')
    const server = only(await worker.call.spans(), 'SERVER', 'forkrpc fail')
    expect(server.parentSpanId).toBe(client.spanId)
    for (const span of [client, server]) {
      expect(span).toMatchObject({ status: 'ERROR', statusMessage: 'no luck', exceptionMessage: 'no luck', attributes: { 'error.type': 'Boom' } })
    }
  })

  it("keeps a stream's spans open until it ends, and runs the generator's body inside the SERVER span", async () => {
    const worker = await start(tracedStart())
    const { result: chunks } = await inRequest(async () => {
      const seen: string[] = []
      for await (const chunk of worker.call.activeSpans(3)) {
        seen.push(chunk)
        expect(sdk.finished().filter((span) => span.kind === 'CLIENT')).toEqual([]) // still open
      }
      return seen
    })
    const client = only(sdk.finished(), 'CLIENT', 'forkrpc activeSpans')
    const server = only(await worker.call.spans(), 'SERVER', 'forkrpc activeSpans')
    expect(server.parentSpanId).toBe(client.spanId)
    expect(chunks).toEqual([server.spanId, server.spanId, server.spanId])
    expect(client).toMatchObject({ status: 'UNSET', attributes: { 'rpc.forkrpc.kind': 'stream' } })
  })

  it("carries the trace back to the parent: the handler's ctx.host call and the parent's host handler join it", async () => {
    const worker = await start(tracedStart())
    const { result, traceId } = await inRequest(() => worker.call.nested('region'))
    const mine = sdk.finished()
    const theirs = await worker.call.spans()
    const call = only(mine, 'CLIENT', 'forkrpc nested')
    const handler = only(theirs, 'SERVER', 'forkrpc nested')
    const hostCall = only(theirs, 'CLIENT', 'forkrpc lookup')
    const hostHandler = only(mine, 'SERVER', 'forkrpc lookup')
    expect(handler.parentSpanId).toBe(call.spanId)
    expect(hostCall.parentSpanId).toBe(handler.spanId)
    expect(hostHandler.parentSpanId).toBe(hostCall.spanId)
    expect(new Set([call, handler, hostCall, hostHandler].map((span) => span.traceId))).toEqual(new Set([traceId]))
    expect(result).toBe(`region in ${hostHandler.spanId}`)
  })

  it('changes nothing without the interceptors: no metadata, and the worker sees no trace of the parent', async () => {
    const worker = await start({ interceptors: undefined, env: { ...process.env, FORKRPC_TRACING: 'off' } })
    const { result, traceId } = await inRequest(() => worker.call.work('plain'))
    expect(result.metadata).toEqual({})
    expect(result.activeSpanId).toBeUndefined()
    expect(sdk.finished().map((span) => span.name)).toEqual(['request'])
    const theirs = await worker.call.spans()
    expect(theirs.map((span) => span.name)).toEqual(['inner plain'])
    expect(theirs[0]).toMatchObject({ parentSpanId: undefined, spanId: result.innerSpanId })
    expect(theirs[0]?.traceId).not.toBe(traceId)
  })
})
