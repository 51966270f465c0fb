/** The report's sections for the thread rows, and the targets table's type. */
import { round, table, type Row, type Summary } from './stats.js'
import { RAW_THREAD, type ThreadResults } from './threads.js'

/** A target of the targets table, checked against one run. */
export interface Target {
  name: string
  /** The ratio of medians, and the ratio of best repetitions (or the count of rows behind). */
  medians: number
  bests: number
  /** Judged on the best repetitions (see README: on a shared machine the medians measure its load). */
  met: boolean
  metOnMedians: boolean
}

const summary = (row: Row | undefined, column: string): Summary | undefined => row?.[column] as Summary | undefined
const byName = (rows: readonly Row[], name: string): Row | undefined => rows.find((row) => row.subject === name)

/** `median [min-max] **ratio x**` and, when asked, the ratio of the best repetitions. */
function cell(s: Summary | undefined, base: Summary | undefined, higherIsBetter: boolean, withBest = true): string {
  if (s === undefined) return 'n/a'
  const ratio = base === undefined ? '' : ` **${(s.median / base.median).toFixed(2)}x**`
  const best = withBest && base !== undefined ? ` (best ${(higherIsBetter ? s.max / base.max : s.min / base.min).toFixed(2)}x)` : ''
  return `${round(s.median)} [${round(s.min)}-${round(s.max)}]${ratio}${best}`
}

export function renderThreads(threads: ThreadResults | undefined): string[] {
  if (threads === undefined) return ['\n**Thread rows**: not in these results (measured before the section existed).']
  const out: string[] = []
  const base = byName(threads.latency, RAW_THREAD)
  const columns = Object.keys(threads.latency[0] ?? {}).filter((key) => key !== 'subject')
  out.push(`\n**Worker threads: round-trip latency, one call in flight** (µs per call; lower is better; ratios to raw \`worker.postMessage\`)\n`)
  out.push(table(['', ...columns], threads.latency.map((row) => [row.subject, ...columns.map((column) => cell(summary(row, column), summary(base, column), false))])))
  const tputBase = byName(threads.throughput, RAW_THREAD)
  out.push(`\n**Worker threads: pipelined throughput, tiny calls, 100 in flight** (calls/s; higher is better)\n`)
  out.push(table(['', '100 in flight'], threads.throughput.map((row) => [row.subject, cell(summary(row, '100 in flight'), summary(tputBase, '100 in flight'), true)])))
  return out
}
