/**
 * tracing: a span started in the parent has the worker's work as its children. With
 * `tracingInterceptors()` from @forkrpc/tracing on both sides (and the OpenTelemetry SDK on
 * both, telemetry.ts), each call gets a CLIENT span in the parent, its trace context travels in
 * the call's metadata, and the worker's handler runs inside a SERVER span that is its child:
 * one trace across the fork. The example prints that trace as a tree, from both sides' spans.
 *
 * Run: pnpm exec tsx examples/tracing/main.ts
 */
import assert from 'node:assert/strict'
import { fork } from '@forkrpc/core'
import { tracingInterceptors } from '@forkrpc/tracing'
import { report } from './report.contract.js'
import { startTelemetry, type FinishedSpan } from './telemetry.js'

console.log('== tracing: one trace across the fork ==')

const { tracer, finished } = startTelemetry('parent')
const worker = await fork(report, new URL('./report.worker.js', import.meta.url), { interceptors: tracingInterceptors() })
try {
  // What a server would do per request: a span for the request, and the calls inside it.
  const traceId = await tracer.startActiveSpan('GET /report/7', async (request) => {
    try {
      const page = await worker.call.render({ page: 7 })
      const rows: string[] = []
      for await (const row of worker.call.rows(2)) rows.push(row)
      console.log(`rendered ${page} and ${rows.join(', ')}`)
      return request.spanContext().traceId
    } finally {
      request.end()
    }
  })

  const spans = [...finished(), ...(await worker.call.spans())].filter((span) => span.traceId === traceId)
  console.log(`\ntrace ${traceId}, ${spans.length} spans:`)
  printTree(spans)

  // One trace, each half joined to the other: the worker's SERVER spans are children of the
  // parent's CLIENT spans, which are children of the request's span.
  const [root] = spans.filter((span) => span.parentSpanId === undefined)
  assert.equal(root?.name, 'GET /report/7')
  const childrenOf = (parent: FinishedSpan | undefined) => spans.filter((span) => span.parentSpanId === parent?.spanId)
  assert.deepEqual(childrenOf(root).map((span) => `${span.kind} ${span.name}`), ['CLIENT forkrpc render', 'CLIENT forkrpc rows'])
  const [render, rows] = childrenOf(root).map((client) => childrenOf(client))
  assert.deepEqual(render?.map((span) => `${span.side.split(' ')[0]} ${span.kind} ${span.name}`), ['worker SERVER forkrpc render'])
  assert.deepEqual(childrenOf(render?.[0]).map((span) => span.name), ['load template', 'fill in figures'])
  assert.deepEqual(childrenOf(rows?.[0]).map((span) => span.name), ['row 1', 'row 2'])
  console.log('\nok: one trace, the worker\'s spans under the parent\'s')
} finally {
  await worker.close()
}

/** Prints the spans as a tree, each under its parent (siblings in the order they ended). */
function printTree(spans: FinishedSpan[], parent?: string, indent = ''): void {
  const children = spans.filter((span) => span.parentSpanId === parent)
  children.forEach((span, i) => {
    const last = i === children.length - 1
    console.log(`${indent}${last ? '└─' : '├─'} ${span.name} (${span.kind.toLowerCase()}, ${span.side})${span.error === undefined ? '' : ` ERROR ${span.error}`}`)
    printTree(spans, span.spanId, indent + (last ? '   ' : '│  '))
  })
}
