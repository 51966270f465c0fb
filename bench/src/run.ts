/**
 * `pnpm bench [--quick]`: forkrpc against raw `process.send`, birpc, workerpool and
 * tinypool, all measured in this one run and given as ratios to raw json `process.send`;
 * spawnThread against raw worker thread messages (threads.ts); forkrpc over NATS against raw
 * NATS request-reply of the same client (nats.ts); on each runtime (Node 22, 24, 26, Bun,
 * Deno), fork() against that runtime's raw `process.send` (runtimes.ts); createPool against piscina,
 * tinypool, workerpool and poolifier on two workloads (pools.ts, workloads.ts); a server's
 * pool under 2.5x overload with deadlines, createPool against piscina (server-row.ts).
 * Prints markdown tables, writes results/latest.json (results/quick.json for --quick)
 * and, after a full run, the tables in README.md. Needs `node --expose-gc`.
 * `--runtimes-only` measures and prints the runtime rows alone (nothing written); `--server-only`,
 * the server row alone. `--calls-only` measures the rows of the per-call cost alone (raw json, the ceiling and
 * forkrpc; the tiny-task rows of forkrpc's and poolifier's pools) and checks the targets of
 * issue 21: results/calls.json and its section of README.md (results/calls-quick.json with
 * --quick, no README).
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import os from 'node:os'
import { setTimeout as delay } from 'node:timers/promises'
import { describeMachine, processMemory } from './machine.js'
import { interleavedLatency, interleavedThroughput, throughput, warmUp } from './measure.js'
import { payloads } from './payloads.js'
import { measureNats, type NatsResults } from './nats.js'
import { forkrpcPool, poolifier, poolSubjects } from './pools.js'
import { callTargets, natsTargets, poolTargets, renderCalls, renderNats, renderPools, renderTargets, renderThreads, type CallRows, type Target } from './report.js'
import { round, summarize, table, type Row, type Summary } from './stats.js'
import { allSubjects, callSubjects, forkrpc, raw, type Running, type Subject } from './subjects.js'
import { forkrpcThread, measureThreads, type ThreadResults } from './threads.js'
import { measurePools, type PoolResults } from './workloads.js'
import { measureRuntimes, renderRuntimes, type RuntimeResult } from './runtimes.js'
import { measureServer, renderServer, serverTargets, type ServerResults } from './server-row.js'

const quick = process.argv.includes('--quick')
const callsOnly = process.argv.includes('--calls-only')
const settings = quick
  ? { latencyCalls: [100, 50, 5, 1], latencyReps: [3, 3, 3, 2], warmTiny: 500, warm1k: 300, throughputCalls: 10_000, poolThroughputCalls: 2_000, throughputReps: 1, heapCalls: 1_000, soakCalls: 50_000, startupReps: 1 }
  : { latencyCalls: [200, 100, 10, 2], latencyReps: [21, 21, 15, 9], warmTiny: 5_000, warm1k: 3_000, throughputCalls: 100_000, poolThroughputCalls: 20_000, throughputReps: 5, heapCalls: 10_000, soakCalls: 1_000_000, startupReps: 5 }
/** The pool workloads (workloads.ts): tiny tasks per round and rounds; every terserStride-th file of the corpus. */
const workloadSettings = quick
  ? { tinyTasks: 1_000, tinyWarmRounds: 1, tinyRounds: 2, terserStride: 16, terserWarmRounds: 1, terserRounds: 1 }
  : { tinyTasks: 20_000, tinyWarmRounds: 2, tinyRounds: 5, terserStride: 1, terserWarmRounds: 2, terserRounds: 5 }
/** The server row (server-row.ts): loads per pool, and how long calls arrive in each (ms). */
const serverSettings = quick ? { reps: 1, ms: 2_000 } : { reps: 3, ms: 4_000 }

const gc = (globalThis as { gc?: () => void }).gc
if (gc === undefined) throw new Error('run the bench with node --expose-gc (pnpm bench does)')
function collect(): void {
  for (let i = 0; i < 3; i++) gc?.()
}

const isPool = (subject: Subject): boolean => subject.name.startsWith('workerpool') || subject.name.startsWith('tinypool')
const log = (text: string): void => void process.stderr.write(`${text}\n`)

/** Parent heap bytes per call in flight, with `count` calls parked in the child. */
async function heapPerPending(running: Running, count: number): Promise<number> {
  const calls = new Array<Promise<unknown>>(count)
  await delay(50)
  collect()
  const before = process.memoryUsage().heapUsed
  const deadline = Date.now() + 1_500
  for (let i = 0; i < count; i++) calls[i] = running.call('park', deadline)
  await delay(300) // every request written
  collect()
  const after = process.memoryUsage().heapUsed
  await Promise.all(calls)
  return (after - before) / count
}

/**
 * The call rows of `subjects`: latency with one call in flight, pipelined throughput, parent
 * heap per pending call. Each subject is started (into `running`, which the caller closes) and
 * warmed up; then the repetitions are interleaved across subjects.
 */
async function measureCalls(subjects: readonly Subject[], running: Running[]): Promise<{ latency: Row[]; throughput: Row[]; heap: Row[] }> {
  for (const subject of subjects) {
    running.push(await subject.start())
    log(`warming up ${subject.name}`)
    await warmUp(running[running.length - 1] as Running, { tiny: settings.warmTiny, kb: settings.warm1k, kb64: settings.warm1k / 50, mb: 1 })
  }

  // Latency: many short repetitions interleaved across subjects, so that drift in the
  // machine's load hits every subject alike; the order rotates each repetition.
  const latency = await interleavedLatency(subjects, running, payloads, settings.latencyCalls, settings.latencyReps, log)

  // Throughput, 100 and 1,000 calls in flight, repetitions interleaved likewise.
  const throughput: Row[] = subjects.map((subject) => ({ subject: subject.name }))
  for (const inFlight of [100, 1_000]) {
    const total = (subject: Subject): number => (isPool(subject) ? settings.poolThroughputCalls : settings.throughputCalls)
    const samples = await interleavedThroughput(subjects, running, inFlight, settings.throughputReps, total, log)
    for (const [s, row] of throughput.entries()) row[`${inFlight} in flight`] = summarize(samples[s] ?? [])
  }

  // Parent heap per call in flight.
  const heap: Row[] = []
  for (const [s, subject] of subjects.entries()) {
    log(`heap per pending call: ${subject.name}`)
    const samples: number[] = []
    for (let rep = 0; rep < 3; rep++) samples.push(await heapPerPending(running[s] as Running, settings.heapCalls))
    heap.push({ subject: subject.name, 'bytes per pending call': summarize(samples) })
  }
  return { latency, throughput, heap }
}

/** How the pairs of the thread, NATS and runtime rows are measured. */
const pairSettings = { warmTiny: settings.warmTiny, warm1k: settings.warm1k, latencyCalls: settings.latencyCalls.slice(0, 2), latencyReps: settings.latencyReps.slice(0, 2), throughputCalls: settings.throughputCalls, throughputReps: settings.throughputReps }

/**
 * `--calls-only`: the rows issue 21's targets are judged on, and nothing else, so that a run on
 * a quiet machine is short: raw json, the ceiling and forkrpc (json, defaults) one call in
 * flight, pipelined and parked; forkrpc's pools and poolifier's on the tiny tasks.
 */
async function measureCallsOnly(): Promise<void> {
  const machine = describeMachine()
  log(`forkrpc bench, call rows only${quick ? ' (--quick)' : ''}: ${machine.cpus} x ${machine.cpu}, Node ${machine.node}, load ${machine.loadAverage.join(' ')}`)
  const running: Running[] = []
  let calls: CallRows
  try {
    calls = await measureCalls(callSubjects(), running)
  } finally {
    for (const r of running) await r.close().catch(() => undefined)
  }
  const poolRows = [forkrpcPool('process'), forkrpcPool('thread', { runtime: 'thread' }), poolifier('thread'), poolifier('cluster')]
  const pools = await measurePools(poolRows, { ...workloadSettings, terserWarmRounds: 0, terserRounds: 0 }, log)
  machine.loadAverageAtEnd = os.loadavg().map((load) => Math.round(load * 100) / 100)
  const results: CallsOnlyResults = { machine, quick, settings, payloads: payloads.map(({ name, bytes }) => ({ name, bytes })), ...calls, pools }
  const report = renderCallsOnly(results)
  process.stdout.write(`\n${report}\n`)
  const resultsDir = new URL('../results/', import.meta.url)
  await mkdir(resultsDir, { recursive: true })
  await writeFile(new URL(quick ? 'calls-quick.json' : 'calls.json', resultsDir), `${JSON.stringify(results, null, 2)}\n`)
  if (!quick) await updateReadme(report, CALLS_START, CALLS_END)
  const missed = [...callTargets(calls), ...poolTargets(pools)].filter((target) => !target.met)
  if (missed.length > 0) log(`\n${missed.length} target(s) missed: ${missed.map((target) => target.name).join('; ')} (see the table)`)
}

type CallsOnlyResults = CallRows & {
  machine: ReturnType<typeof describeMachine>
  quick: boolean
  settings: typeof settings
  payloads: { name: string; bytes: number }[]
  pools: PoolResults
}

function renderCallsOnly(results: CallsOnlyResults): string {
  const out = [header(results.machine, results.quick)]
  out.push(...renderCalls(results))
  out.push(...renderPools(results.pools))
  out.push(...renderTargets([...callTargets(results), ...poolTargets(results.pools)]))
  return out.join('\n')
}

async function main(): Promise<void> {
  if (process.argv.includes('--runtimes-only')) {
    const machine = describeMachine()
    log(`forkrpc bench, runtime rows only${quick ? ' (--quick)' : ''}: load ${machine.loadAverage.join(' ')}`)
    process.stdout.write(`${renderRuntimes(await measureRuntimes(pairSettings, log)).join('\n')}\n\nLoad average ${machine.loadAverage.join(' / ')} at the start, ${os.loadavg().map((load) => load.toFixed(2)).join(' / ')} at the end.\n`)
    return
  }
  if (callsOnly) return measureCallsOnly()
  if (process.argv.includes('--server-only')) {
    const machine = describeMachine()
    log(`forkrpc bench, server row only${quick ? ' (--quick)' : ''}: load ${machine.loadAverage.join(' ')}`)
    const server = await measureServer(serverSettings, log)
    const lines = [...renderServer(server), '', ...serverTargets(server).map((target) => `${target.name}: ${round(target.medians)} ${target.met ? 'met' : '**MISSED**'}`)]
    process.stdout.write(`${lines.join('\n')}\n\nLoad average ${machine.loadAverage.join(' / ')} at the start, ${os.loadavg().map((load) => load.toFixed(2)).join(' / ')} at the end.\n`)
    return
  }
  if (process.argv.includes('--render')) {
    // Renders results/latest.json again (after a change to the report), without measuring.
    const results = JSON.parse(await readFile(new URL('../results/latest.json', import.meta.url), 'utf8')) as Results
    const report = render(results)
    process.stdout.write(`${report}\n`)
    await updateReadme(report)
    return
  }
  const machine = describeMachine()
  log(`forkrpc bench${quick ? ' (--quick)' : ''}: ${machine.cpus} x ${machine.cpu}, Node ${machine.node}, load ${machine.loadAverage.join(' ')}`)
  const subjects = allSubjects()
  const running: Running[] = []
  try {
    const { latency: latencyRows, throughput: throughputRows, heap: heapRows } = await measureCalls(subjects, running)

    // Soak: a million calls through forkrpc, then the heap should be back where it started.
    const soakSubject = running[subjects.findIndex((subject) => subject.name === 'forkrpc (json)')] as Running
    log(`soak: ${settings.soakCalls.toLocaleString('en-US')} calls through forkrpc (json)`)
    collect()
    const soakBefore = process.memoryUsage().heapUsed
    const soakRate = await throughput(soakSubject, settings.soakCalls, 100)
    await delay(50)
    collect()
    const soakAfter = process.memoryUsage().heapUsed
    const soak = { calls: settings.soakCalls, callsPerSecond: soakRate, heapBeforeMB: soakBefore / 2 ** 20, heapAfterMB: soakAfter / 2 ** 20, heapDeltaKB: (soakAfter - soakBefore) / 1_024 }

    for (const r of running.splice(0)) await r.close()

    // Thread rows: spawnThread against raw worker thread messages.
    const threads = await measureThreads(pairSettings, log)

    // NATS rows: forkrpc over NATS against raw request-reply of the same client (skipped without nats-server).
    const nats = await measureNats(pairSettings, log)

    // Runtime rows: fork() against raw process.send on each runtime, parent and worker on it.
    const runtimes = await measureRuntimes(pairSettings, log)

    // Startup to ready, and idle memory of the child.
    const startupRows: Row[] = []
    // THREAD ROW: a forkrpc thread worker (spawnThread); its idle memory is what this process gains.
    const startupSubjects: Subject[] = [raw('json'), forkrpc('json'), ...subjects.filter(isPool), forkrpcThread()]
    for (const subject of startupSubjects) {
      log(`startup: ${subject.name}`)
      const times: number[] = []
      let memory: { rssMB: number; pssMB: number } | undefined
      for (let rep = 0; rep < settings.startupReps; rep++) {
        const before = rep === 0 && subject.thread === true ? await settledMemory(process.pid) : undefined
        const start = performance.now()
        const started = await subject.start()
        times.push(performance.now() - start)
        if (rep === 0 && started.pid !== undefined) {
          await delay(500)
          memory = await processMemory(started.pid)
        } else if (before !== undefined) {
          await delay(500)
          const after = await settledMemory(process.pid)
          memory = after === undefined ? undefined : { rssMB: Math.round((after.rssMB - before.rssMB) * 10) / 10, pssMB: Math.round((after.pssMB - before.pssMB) * 10) / 10 }
        }
        await started.close()
      }
      const name = subject.thread === true ? `${subject.name} (memory: what this process gains)` : subject.name
      startupRows.push({ subject: name, 'startup to ready (ms)': summarize(times), 'idle RSS (MB)': memory?.rssMB, 'idle PSS (MB)': memory?.pssMB })
    }

    // Pool workloads: tiny tasks and terser on pools of 2 workers. Last: the inline terser
    // rounds grow this process's heap, which would blur the thread's memory above.
    const pools = await measurePools(poolSubjects(), workloadSettings, log)

    // The server row: pools under 2.5x overload, every call with a 2 s deadline.
    const server = await measureServer(serverSettings, log)

    machine.loadAverageAtEnd = os.loadavg().map((load) => Math.round(load * 100) / 100)
    const results: Results = {
      machine,
      quick,
      settings,
      workloadSettings,
      payloads: payloads.map(({ name, bytes }) => ({ name, bytes })),
      latency: latencyRows,
      throughput: throughputRows,
      heap: heapRows,
      soak,
      threads,
      nats,
      runtimes,
      pools,
      server,
      startup: startupRows,
    }
    const report = render(results)
    process.stdout.write(`\n${report}\n`)
    const resultsDir = new URL('../results/', import.meta.url)
    await mkdir(resultsDir, { recursive: true })
    await writeFile(new URL(quick ? 'quick.json' : 'latest.json', resultsDir), `${JSON.stringify(results, null, 2)}\n`)
    if (!quick) await updateReadme(report)
    const missed = targets(results).filter((target) => !target.met)
    if (missed.length > 0) log(`\n${missed.length} target(s) missed: ${missed.map((target) => target.name).join('; ')} (see the table)`)
  } finally {
    for (const r of running) await r.close().catch(() => undefined)
  }
}

type Results = {
  machine: ReturnType<typeof describeMachine>
  quick: boolean
  settings?: typeof settings
  workloadSettings?: typeof workloadSettings
  payloads?: { name: string; bytes: number }[]
  latency: Row[]
  throughput: Row[]
  heap: Row[]
  soak: { calls: number; callsPerSecond: number; heapBeforeMB: number; heapAfterMB: number; heapDeltaKB: number }
  /** Absent from results measured before these sections existed. */
  threads?: ThreadResults
  nats?: NatsResults
  runtimes?: RuntimeResult[]
  pools?: PoolResults
  server?: ServerResults
  startup: Row[]
}

const median = (row: Row | undefined, column: string): number => (row?.[column] as Summary | undefined)?.median ?? NaN
/** The best repetition: the least disturbed by the rest of the machine (fastest, or highest rate). */
const best = (row: Row | undefined, column: string, higherIsBetter = false): number => {
  const summary = row?.[column] as Summary | undefined
  return (higherIsBetter ? summary?.max : summary?.min) ?? NaN
}
const byName = (rows: Row[], name: string): Row | undefined => rows.find((row) => row.subject === name)

const RAW = 'raw process.send (json)'
const PEERS = ['birpc over fork', "workerpool (workerType 'process')", "tinypool (runtime 'child_process')"]

/**
 * The targets of the performance issues, each checked against this run, all judged on the
 * medians (the best repetitions are shown beside them): those of the call path (#21,
 * report.ts), the soak, the peers, startup and memory (#12), NATS, the pools (#21, #18).
 */
function targets(results: Results): Target[] {
  return [
    ...callTargets(results),
    onMedians('heap back where it started after the soak (KB, within 1 MB)', results.soak.heapDeltaKB, results.soak.heapDeltaKB, Math.abs(results.soak.heapDeltaKB) <= 1_024),
    ...PEERS.slice(0, 2).map((peer) => peerTarget(results, peer)),
    ...startupTargets(results.startup),
    ...natsTargets(results.nats),
    ...poolTargets(results.pools),
    ...serverTargets(results.server),
  ]
}

/** A target judged on the medians. */
const onMedians = (name: string, medians: number, bests: number, met: boolean): Target => ({ name, medians, bests, met, metOnMedians: met, judgedOn: 'medians' })

/** Ahead of `peer` on every latency and throughput row, with forkrpc's defaults (the better of json and advanced); within 3% counts as level. */
function peerTarget(results: Results, peer: string): Target {
  const behindOnMedians: string[] = []
  const behindOnBests: string[] = []
  for (const column of Object.keys(results.latency[0] ?? {}).filter((key) => key !== 'subject')) {
    const ours = (pick: typeof median): number => Math.min(pick(byName(results.latency, 'forkrpc (json)'), column), pick(byName(results.latency, 'forkrpc (advanced)'), column))
    if (median(byName(results.latency, peer), column) * 1.03 < ours(median)) behindOnMedians.push(column)
    if (best(byName(results.latency, peer), column) * 1.03 < ours(best)) behindOnBests.push(column)
  }
  for (const column of ['100 in flight', '1000 in flight']) {
    const ours = (pick: (row: Row | undefined, column: string) => number): number =>
      Math.max(pick(byName(results.throughput, 'forkrpc (json)'), column), pick(byName(results.throughput, 'forkrpc (advanced)'), column))
    if (median(byName(results.throughput, peer), column) > ours(median) * 1.03) behindOnMedians.push(`throughput ${column}`)
    if (best(byName(results.throughput, peer), column, true) > ours((row, c) => best(row, c, true)) * 1.03) behindOnBests.push(`throughput ${column}`)
  }
  const name = `ahead of ${peer} on every row, 3% counting as level${behindOnMedians.length > 0 ? ` (behind on: ${behindOnMedians.join(', ')})` : ''}`
  return onMedians(name, behindOnMedians.length, behindOnBests.length, behindOnMedians.length === 0)
}

function startupTargets(rows: Row[]): Target[] {
  const raw = byName(rows, RAW)
  const ours = byName(rows, 'forkrpc (json)')
  if (raw === undefined || ours === undefined) return []
  const startup = median(ours, 'startup to ready (ms)') - median(raw, 'startup to ready (ms)')
  const rss = Number(ours['idle RSS (MB)']) - Number(raw['idle RSS (MB)'])
  return [
    onMedians('startup to ready <= raw fork + 15 ms (ms more)', startup, best(ours, 'startup to ready (ms)') - best(raw, 'startup to ready (ms)'), startup <= 15),
    onMedians('idle worker RSS <= raw + 5 MB (MB more; the watchdog thread is ~8 MB)', rss, rss, rss <= 5),
  ]
}

/** The first lines of a report: the machine, the load, and how to read a cell. */
function header(m: ReturnType<typeof describeMachine>, isQuick: boolean): string {
  return [
    `Measured ${m.date.slice(0, 16).replace('T', ' ')} UTC on ${m.cpus} x ${m.cpu}, ${m.memoryGiB} GiB, ${m.os}, Node ${m.node}; load average ${m.loadAverage.join(' / ')} at the start and ${m.loadAverageAtEnd?.join(' / ')} at the end.${isQuick ? ' QUICK RUN: too few calls for the figures to mean much.' : ''}`,
    'Cells: median [min-max] over the repetitions, the ratio of the median to raw json `process.send` in this run, and (best) the ratio of the best repetitions, the least disturbed by the rest of a shared machine.',
  ].join('\n')
}

function render(results: Results): string {
  const out: string[] = [header(results.machine, results.quick)]
  out.push(...renderCalls(results))
  const soak = results.soak
  out.push(
    `\n**Soak**: ${soak.calls.toLocaleString('en-US')} calls through forkrpc (json), 100 in flight, at ${round(soak.callsPerSecond)} calls/s; parent heap ${soak.heapBeforeMB.toFixed(1)} MB before, ${soak.heapAfterMB.toFixed(1)} MB after (${soak.heapDeltaKB >= 0 ? '+' : ''}${round(soak.heapDeltaKB)} KB).`,
  )

  out.push(...renderThreads(results.threads))
  out.push(...renderNats(results.nats))
  out.push(...renderRuntimes(results.runtimes))
  out.push(...renderPools(results.pools))
  out.push(...renderServer(results.server))

  out.push(`\n**Startup to ready, and idle memory of the worker process** (the pools: to the first answer; the thread: the growth of this process's RSS and PSS)\n`)
  out.push(
    table(
      ['', 'startup to ready (ms)', 'idle RSS (MB)', 'idle PSS (MB)'],
      results.startup.map((row) => {
        if (typeof row.note === 'string') return [row.subject, row.note, '', '']
        const s = row['startup to ready (ms)'] as Summary
        return [row.subject, `${round(s.median)} [${round(s.min)}-${round(s.max)}]`, String(row['idle RSS (MB)'] ?? 'n/a'), String(row['idle PSS (MB)'] ?? 'n/a')]
      }),
    ),
  )

  out.push(...renderTargets(targets(results)))
  return out.join('\n')
}

const START = '<!-- bench:results:start -->'
const END = '<!-- bench:results:end -->'
/** The section `--calls-only` writes. */
const CALLS_START = '<!-- bench:calls:start -->'
const CALLS_END = '<!-- bench:calls:end -->'

/** This process's memory after a full GC. */
async function settledMemory(pid: number): Promise<{ rssMB: number; pssMB: number } | undefined> {
  collect()
  return processMemory(pid)
}

/** Replaces the results between the markers in bench/README.md. */
async function updateReadme(report: string, startMarker = START, endMarker = END): Promise<void> {
  const path = new URL('../README.md', import.meta.url)
  const text = await readFile(path, 'utf8').catch(() => '')
  const start = text.indexOf(startMarker)
  const end = text.indexOf(endMarker)
  if (start === -1 || end === -1) return
  await writeFile(path, `${text.slice(0, start + startMarker.length)}\n${report}\n${text.slice(end)}`)
}

await main()
