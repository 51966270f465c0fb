import { defineContract, procedure, stream } from '@forkrpc/core'
import type { FinishedSpan } from './telemetry.js'

/** The contract: a report rendered in a worker, page by page. */
export const report = defineContract({
  /** Renders one page of the report. */
  render: procedure<{ page: number }, string>(),
  /** Streams the report's rows. */
  rows: stream<number, string>(),
  /**
   * The spans the worker has finished. Only for this example, which prints the whole trace in
   * one place: an app has each side export to a collector (OTLP), and the tracing backend
   * joins the halves.
   */
  spans: procedure<void, FinishedSpan[]>(),
})
