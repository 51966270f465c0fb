/**
 * @forkrpc/tracing through a pool: the pool passes its `interceptors` to each worker, and each
 * call's CLIENT span must be the child of the span active where the caller made it, also when
 * the call waited in the queue and left it when another call ended.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { createPool, type Pool } from '@forkrpc/core'
import { tracingInterceptors } from '@forkrpc/tracing'
import { tracedPool } from '../../fixtures/tracing.contract.js'
import { startTracingSdk, type TestSdk } from '../../fixtures/tracing-sdk.js'
import { fixture, tsx } from '../../helpers.js'

let sdk: TestSdk
beforeAll(() => {
  sdk = startTracingSdk()
})
afterAll(() => sdk.shutdown())

const pools: Array<Pool<typeof tracedPool>> = []
afterEach(async () => {
  sdk.reset()
  await Promise.all(pools.splice(0).map((pool) => pool.close({ grace: 0, killTimeout: 500 })))
})

describe('tracing through a pool', () => {
  it("parents each call's spans on its caller's span, queued calls included", async () => {
    const interceptors = tracingInterceptors({ tracerProvider: sdk.provider })
    const env = { ...process.env, TRACED_CONTRACT: 'pool' }
    const pool = createPool(tracedPool, fixture('tracing.worker.ts'), { max: 1, idleTimeout: 0, execArgv: tsx, stdio: ['ignore', 'ignore', 'pipe', 'ipc'], env, interceptors })
    pools.push(pool)
    const tracer = sdk.provider.getTracer('test')
    // Three requests at once on one worker: the second and third wait in the queue.
    const requests = await Promise.all(
      ['a', 'b', 'c'].map((label) =>
        tracer.startActiveSpan(`request ${label}`, async (span) => {
          const seen = await pool.call.work(label)
          span.end()
          return { label, requestSpanId: span.spanContext().spanId, traceId: span.spanContext().traceId, seen }
        }),
      ),
    )
    const clients = sdk.finished().filter((span) => span.kind === 'CLIENT')
    const servers = (await pool.call.spans()).filter((span) => span.kind === 'SERVER' && span.name === 'forkrpc work')
    for (const { label, requestSpanId, traceId, seen } of requests) {
      const server = servers.find((span) => span.spanId === seen.activeSpanId)
      const client = clients.find((span) => span.spanId === server?.parentSpanId)
      expect({ label, client: client?.parentSpanId, trace: client?.traceId }).toEqual({ label, client: requestSpanId, trace: traceId })
    }
  })
})
