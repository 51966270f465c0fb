/**
 * The report's sections: the call rows (raw json, the ceiling, forkrpc and the peers), the
 * thread rows, the NATS rows and the pool workloads, their targets, and the targets table.
 */
import { FORKRPC_NATS, RAW_NATS, type NatsResults } from './nats.js'
import { FORKRPC_POOL, FORKRPC_THREAD_POOL, POOL_WORKERS } from './pools.js'
import { CEILING_PROCESS, FORKRPC_PROCESS, RAW_PROCESS } from './process-subjects.js'
import { round, table, type Row, type Summary } from './stats.js'
import { RAW_THREAD, type ThreadResults } from './threads.js'
import { INLINE, type PoolResults } from './workloads.js'

/** A target of the targets table, checked against one run. */
export interface Target {
  name: string
  /** The ratio of medians, and the ratio of best repetitions (or the count of rows behind). */
  medians: number
  bests: number
  /** Judged on the best repetitions (see README), except where `judgedOn` says medians. */
  met: boolean
  metOnMedians: boolean
  judgedOn?: 'medians'
}

const summary = (row: Row | undefined, column: string): Summary | undefined => row?.[column] as Summary | undefined
const median = (row: Row | undefined, column: string): number => summary(row, column)?.median ?? NaN
const byName = (rows: readonly Row[], name: string): Row | undefined => rows.find((row) => row.subject === name)

/** `median [min-max] **ratio x**` and, when asked, the ratio of the best repetitions. */
function cell(s: Summary | undefined, base: Summary | undefined, higherIsBetter: boolean, withBest = true): string {
  if (s === undefined) return 'n/a'
  const ratio = base === undefined ? '' : ` **${(s.median / base.median).toFixed(2)}x**`
  const best = withBest && base !== undefined ? ` (best ${(higherIsBetter ? s.max / base.max : s.min / base.min).toFixed(2)}x)` : ''
  return `${round(s.median)} [${round(s.min)}-${round(s.max)}]${ratio}${best}`
}

/** The call rows of a run: one call in flight (per payload), pipelined (100 and 1,000 in flight), parent heap per pending call. */
export interface CallRows {
  latency: Row[]
  throughput: Row[]
  heap: Row[]
}

const IN_FLIGHT = ['100 in flight', '1000 in flight'] as const

/** The tables of the call rows, every cell a ratio to raw json; the pipelined cells also as a share of the ceiling's rate. */
export function renderCalls(calls: CallRows): string[] {
  const out: string[] = []
  const baseline = byName(calls.latency, RAW_PROCESS)
  const latencyColumns = Object.keys(calls.latency[0] ?? {}).filter((key) => key !== 'subject')
  out.push(`\n**Round-trip latency, one call in flight** (µs per call; lower is better)\n`)
  out.push(table(['', ...latencyColumns], calls.latency.map((row) => [row.subject, ...latencyColumns.map((column) => cell(summary(row, column), summary(baseline, column), false))])))

  const tputBase = byName(calls.throughput, RAW_PROCESS)
  const ceiling = byName(calls.throughput, CEILING_PROCESS)
  out.push(
    `\n**Pipelined throughput, tiny calls** (calls/s; higher is better. 100,000 calls; workerpool and tinypool, which give a worker one task at a time, 20,000. "of the ceiling": the ratio of the medians to the ceiling's)\n`,
  )
  out.push(
    table(
      ['', '100 in flight', '1,000 in flight'],
      calls.throughput.map((row) => [
        row.subject,
        ...IN_FLIGHT.map((column) => {
          const share = ceiling === undefined || row === ceiling || row === tputBase ? '' : `, **${(median(row, column) / median(ceiling, column)).toFixed(2)}** of the ceiling`
          return `${cell(summary(row, column), summary(tputBase, column), true)}${share}`
        }),
      ]),
    ),
  )

  const heapBase = summary(byName(calls.heap, RAW_PROCESS), 'bytes per pending call')
  out.push(`\n**Parent heap per call in flight** (bytes, 10,000 calls parked in the child; lower is better)\n`)
  out.push(table(['', 'bytes per pending call'], calls.heap.map((row) => [row.subject, cell(summary(row, 'bytes per pending call'), heapBase, false, false)])))
  return out
}

/** A target judged on the medians, with the ratio of the best repetitions beside it. */
const onMedians = (name: string, medians: number, bests: number, met: boolean): Target => ({ name, medians, bests, met, metOnMedians: met, judgedOn: 'medians' })

/** The most a call with one in flight may cost, as a ratio to raw json, on every payload (issue 21). */
export const LATENCY_LIMIT = 1.1
/** The least share of the ceiling's pipelined rate, at 100 and at 1,000 in flight (issue 21). */
export const CEILING_SHARE = 0.85
/** The most parent heap per pending call, in bytes, with the defaults (issue 21). */
export const HEAP_LIMIT = 300

/**
 * The call path's targets (issue 21), forkrpc with its defaults (json): one call in flight at
 * most LATENCY_LIMIT x raw json on every payload; pipelined tiny calls at least CEILING_SHARE
 * of the ceiling's rate at 100 and at 1,000 in flight; at most HEAP_LIMIT bytes of parent heap
 * per pending call.
 */
export function callTargets(calls: CallRows): Target[] {
  const ours = (rows: Row[]): Row | undefined => byName(rows, FORKRPC_PROCESS)
  const list: Target[] = []
  for (const column of Object.keys(calls.latency[0] ?? {}).filter((key) => key !== 'subject')) {
    const raw = summary(byName(calls.latency, RAW_PROCESS), column)
    const s = summary(ours(calls.latency), column)
    const medians = (s?.median ?? NaN) / (raw?.median ?? NaN)
    list.push(onMedians(`${column} call latency <= ${LATENCY_LIMIT}x raw json`, medians, (s?.min ?? NaN) / (raw?.min ?? NaN), medians <= LATENCY_LIMIT))
  }
  for (const column of IN_FLIGHT) {
    const ceiling = summary(byName(calls.throughput, CEILING_PROCESS), column)
    const s = summary(ours(calls.throughput), column)
    const medians = (s?.median ?? NaN) / (ceiling?.median ?? NaN)
    list.push(onMedians(`throughput, ${column.replace('1000', '1,000')} >= ${CEILING_SHARE} of the ceiling's (ratio to the ceiling)`, medians, (s?.max ?? NaN) / (ceiling?.max ?? NaN), medians >= CEILING_SHARE))
  }
  const heap = summary(ours(calls.heap), 'bytes per pending call')
  list.push(onMedians(`parent heap per pending call <= ${HEAP_LIMIT} B (bytes)`, heap?.median ?? NaN, heap?.min ?? NaN, (heap?.median ?? NaN) <= HEAP_LIMIT))
  return list
}

/** The targets table. */
export function renderTargets(targets: readonly Target[]): string[] {
  return [
    `\n**Targets** (those of the performance issues; ratios to raw json unless the target names another, judged on the medians, the best repetitions shown beside them; for the peers: the number of rows behind; the pool targets: ratios to the pools named)\n`,
    table(
      ['target', 'medians', 'best', ''],
      targets.map((target) => [
        target.name,
        round(target.medians),
        Number.isFinite(target.bests) ? round(target.bests) : '-',
        target.met ? (target.metOnMedians || target.judgedOn === 'medians' ? 'met' : 'met on the best (not on the medians)') : '**MISSED**',
      ]),
    ),
  ]
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

export function renderNats(nats: NatsResults | undefined): string[] {
  if (nats === undefined) return ['\n**NATS rows**: not in these results (measured before the section existed).']
  if ('skipped' in nats) return [`\n**NATS rows**: skipped: ${nats.skipped}.`]
  const out: string[] = []
  const base = byName(nats.latency, RAW_NATS)
  const columns = Object.keys(nats.latency[0] ?? {}).filter((key) => key !== 'subject')
  out.push(`\n**Over NATS (${nats.server}): round-trip latency, one call in flight** (µs per call; lower is better; ratios to raw request-reply of the same client, \`nc.request()\` and \`msg.respond()\` with JSON bodies)\n`)
  out.push(table(['', ...columns], nats.latency.map((row) => [row.subject, ...columns.map((column) => cell(summary(row, column), summary(base, column), false))])))
  const tputBase = byName(nats.throughput, RAW_NATS)
  out.push(`\n**Over NATS: pipelined throughput, tiny calls, 100 in flight** (calls/s; higher is better)\n`)
  out.push(table(['', '100 in flight'], nats.throughput.map((row) => [row.subject, cell(summary(row, '100 in flight'), summary(tputBase, '100 in flight'), true)])))
  return out
}

/** The NATS targets: latency <= 1.2x raw request-reply (tiny and ~1 KB), pipelined throughput ahead of it. */
export function natsTargets(nats: NatsResults | undefined): Target[] {
  if (nats === undefined || 'skipped' in nats) return []
  const list: Target[] = []
  for (const column of Object.keys(nats.latency[0] ?? {}).filter((key) => key !== 'subject')) {
    const ours = summary(byName(nats.latency, FORKRPC_NATS), column)
    const raw = summary(byName(nats.latency, RAW_NATS), column)
    const medians = (ours?.median ?? NaN) / (raw?.median ?? NaN)
    const bests = (ours?.min ?? NaN) / (raw?.min ?? NaN)
    list.push({ name: `NATS, ${column} call latency <= 1.2x raw request-reply`, medians, bests, met: bests <= 1.2, metOnMedians: medians <= 1.2 })
  }
  const ours = summary(byName(nats.throughput, FORKRPC_NATS), '100 in flight')
  const raw = summary(byName(nats.throughput, RAW_NATS), '100 in flight')
  const medians = (ours?.median ?? NaN) / (raw?.median ?? NaN)
  const bests = (ours?.max ?? NaN) / (raw?.max ?? NaN)
  list.push({ name: 'NATS, throughput 100 in flight ahead of raw request-reply (> 1x)', medians, bests, met: bests > 1, metOnMedians: medians > 1 })
  return list
}

export function renderPools(pools: PoolResults | undefined): string[] {
  if (pools === undefined) return ['\n**Pool workloads**: not in these results (measured before the section existed).']
  const out: string[] = []
  const base = byName(pools.tiny, FORKRPC_POOL)
  out.push(
    `\n**Pools of ${POOL_WORKERS} workers, tiny tasks** (${pools.tinyTasks.toLocaleString('en-US')} tasks queued at once, each the sha1 of 100 bytes; ratios to forkrpc's createPool. ` +
      'Parent CPU: `process.cpuUsage()`, which for a thread pool includes its worker threads; main thread: the parent\'s main thread alone, in 10 ms ticks)\n',
  )
  out.push(
    table(
      ['', 'workers', 'tasks/s (higher is better)', 'parent CPU µs/task', 'main thread CPU µs/task'],
      pools.tiny.map((row) => [
        row.subject,
        String(row.runtime),
        cell(summary(row, 'tasks/s'), summary(base, 'tasks/s'), true, false),
        cell(summary(row, 'parent CPU µs/task'), summary(base, 'parent CPU µs/task'), false, false),
        cell(summary(row, 'main thread CPU µs/task'), undefined, false, false),
      ]),
    ),
  )
  if (pools.terser.length === 0) return out
  const terserBase = byName(pools.terser, FORKRPC_POOL)
  out.push(
    `\n**Pools of ${POOL_WORKERS} workers, terser** (${pools.corpus.files} files, ${round(pools.corpus.bytes / 1_024)} KB, all queued at once: ${pools.corpus.from}; wall time per round, lower is better; ratios to forkrpc's createPool)\n`,
  )
  out.push(
    table(
      ['', 'workers', 'wall time (ms)', 'parent CPU (ms)'],
      pools.terser.map((row) => [
        row.subject,
        String(row.runtime),
        cell(summary(row, 'wall ms'), summary(terserBase, 'wall ms'), false, false),
        cell(summary(row, 'parent CPU ms'), summary(terserBase, 'parent CPU ms'), false, false),
      ]),
    ),
  )
  return out
}

/**
 * The pool targets, judged on the medians: each of forkrpc's pools ahead of poolifier's of the
 * same kind (processes: its cluster pool; threads: its thread pool) on tiny tasks, at less
 * parent CPU per task (`process.cpuUsage()`, which for thread pools counts their worker
 * threads alike) (issue 21); the process pool ahead of every process pool and of piscina, and
 * on terser within 5% of the fastest pool (issues 12 and 18; terser when it was run).
 */
export function poolTargets(pools: PoolResults | undefined): Target[] {
  if (pools === undefined) return []
  const list: Target[] = []
  for (const [ours, theirs] of [
    [FORKRPC_POOL, 'poolifier FixedClusterPool'],
    [FORKRPC_THREAD_POOL, 'poolifier FixedThreadPool'],
  ] as const) {
    const mine = byName(pools.tiny, ours)
    const rival = byName(pools.tiny, theirs)
    if (mine === undefined || rival === undefined) continue
    const rate = median(mine, 'tasks/s') / median(rival, 'tasks/s')
    const cpu = median(mine, 'parent CPU µs/task') / median(rival, 'parent CPU µs/task')
    list.push({ name: `${ours}, tiny tasks/s ahead of ${theirs} (ratio)`, medians: rate, bests: NaN, met: rate > 1, metOnMedians: rate > 1, judgedOn: 'medians' })
    list.push({ name: `${ours}, parent CPU per tiny task below ${theirs}'s (ratio)`, medians: cpu, bests: NaN, met: cpu < 1, metOnMedians: cpu < 1, judgedOn: 'medians' })
  }
  const ours = byName(pools.tiny, FORKRPC_POOL)
  const rivals = pools.tiny.filter((row) => row.subject !== FORKRPC_POOL && (row.runtime === 'process' || row.subject.startsWith('piscina')))
  if (rivals.length > 1) {
    const ahead = rivals.filter((row) => median(row, 'tasks/s') >= median(ours, 'tasks/s'))
    const bestRival = Math.max(...rivals.map((row) => median(row, 'tasks/s')))
    const tinyMedians = median(ours, 'tasks/s') / bestRival
    list.push({
      name: `pool, tiny tasks/s ahead of every process pool and of piscina (ratio to the best of them${ahead.length > 0 ? `; behind: ${ahead.map((row) => row.subject).join(', ')}` : ''})`,
      medians: tinyMedians,
      bests: NaN,
      met: ahead.length === 0,
      metOnMedians: ahead.length === 0,
      judgedOn: 'medians',
    })
  }
  const pooled = pools.terser.filter((row) => row.subject !== INLINE)
  if (pooled.length > 0) {
    const fastest = Math.min(...pooled.map((row) => median(row, 'wall ms')))
    const terser = median(byName(pools.terser, FORKRPC_POOL), 'wall ms') / fastest
    list.push({ name: 'pool, terser wall time within 5% of the fastest pool (ratio)', medians: terser, bests: NaN, met: terser <= 1.05, metOnMedians: terser <= 1.05, judgedOn: 'medians' })
  }
  return list
}
