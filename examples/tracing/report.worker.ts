import { setTimeout } from 'node:timers/promises'
import { serve } from '@forkrpc/core'
import { tracingInterceptors } from '@forkrpc/tracing'
import { report } from './report.contract.js'
import { startTelemetry } from './telemetry.js'

const { tracer, finished } = startTelemetry(`worker ${process.pid}`)

serve(
  report,
  {
    // Runs inside the SERVER span that @forkrpc/tracing started for the call: the spans it
    // starts are its children, in the parent's trace.
    async render({ page }) {
      const template = await tracer.startActiveSpan('load template', async (span) => {
        await setTimeout(5)
        span.end()
        return `<h1>Page ${page}</h1>`
      })
      return tracer.startActiveSpan('fill in figures', (span) => {
        span.end()
        return `${template}<p>${page * 1_000} units</p>`
      })
    },
    // The generator runs inside the SERVER span too, step by step, until the stream ends.
    async *rows(count) {
      for (let row = 1; row <= count; row++) {
        await setTimeout(1)
        yield tracer.startActiveSpan(`row ${row}`, (span) => {
          span.end()
          return `row ${row}`
        })
      }
    },
    spans: () => finished(),
  },
  { interceptors: tracingInterceptors() },
)
