/**
 * The measurements of one RPC subject that both the process rows and the thread rows make:
 * latency with one call in flight, pipelined throughput, and the warm-up before them.
 */
import { payloads, type Payload } from './payloads.js'
import { summarize, type Row } from './stats.js'
import type { Running, Subject } from './subjects.js'

/** Mean µs per round trip over `calls` sequential calls. */
export async function latency(running: Running, value: unknown, calls: number): Promise<number> {
  const start = performance.now()
  for (let i = 0; i < calls; i++) await running.call('echo', value)
  return ((performance.now() - start) * 1_000) / calls
}

/** Calls per second for `total` tiny calls with `inFlight` of them in flight at a time. */
export async function throughput(running: Running, total: number, inFlight: number): Promise<number> {
  let issued = 0
  const tiny = payloads[0]?.value
  async function lane(): Promise<void> {
    while (issued < total) {
      issued++
      await running.call('echo', tiny)
    }
  }
  const start = performance.now()
  await Promise.all(Array.from({ length: inFlight }, lane))
  return total / ((performance.now() - start) / 1_000)
}

/** Warms a subject up with the given numbers of calls of each payload (the JIT, superjson). */
export async function warmUp(running: Running, counts: { tiny: number; kb: number; kb64: number; mb: number }): Promise<void> {
  const [tiny, kb, kb64, mb] = payloads as [Payload, Payload, Payload, Payload]
  for (let i = 0; i < counts.tiny; i++) await running.call('echo', tiny.value)
  for (let i = 0; i < counts.kb; i++) await running.call('echo', kb.value)
  for (let i = 0; i < counts.kb64; i++) await running.call('echo', kb64.value)
  for (let i = 0; i < counts.mb; i++) await running.call('echo', mb.value)
}

/**
 * Latency rows: `reps[p]` repetitions of `calls[p]` sequential calls per payload, short and
 * interleaved across subjects in a rotating order, so that drift in the machine's load hits
 * every subject alike.
 */
export async function interleavedLatency(
  subjects: readonly Subject[],
  running: readonly Running[],
  measured: readonly Payload[],
  calls: readonly number[],
  reps: readonly number[],
  log: (text: string) => void,
): Promise<Row[]> {
  const samples = subjects.map(() => measured.map((): number[] => []))
  const repetitions = Math.max(...reps)
  for (let rep = 0; rep < repetitions; rep++) {
    log(`latency, repetition ${rep + 1} of ${repetitions}`)
    for (let k = 0; k < subjects.length; k++) {
      const s = (k + rep) % subjects.length
      for (const [p, payload] of measured.entries()) {
        if (rep >= (reps[p] as number)) continue
        samples[s]?.[p]?.push(await latency(running[s] as Running, payload.value, calls[p] as number))
      }
    }
  }
  return subjects.map((subject, s) => {
    const row: Row = { subject: subject.name }
    for (const [p, payload] of measured.entries()) row[payload.name] = summarize(samples[s]?.[p] ?? [])
    return row
  })
}

/** Throughput samples, `reps` repetitions interleaved across subjects; `total(s)` calls each. */
export async function interleavedThroughput(
  subjects: readonly Subject[],
  running: readonly Running[],
  inFlight: number,
  reps: number,
  total: (subject: Subject) => number,
  log: (text: string) => void,
): Promise<number[][]> {
  const samples = subjects.map((): number[] => [])
  for (let rep = 0; rep < reps; rep++) {
    log(`throughput, ${inFlight} in flight, repetition ${rep + 1} of ${reps}`)
    for (const [s, subject] of subjects.entries()) samples[s]?.push(await throughput(running[s] as Running, total(subject), inFlight))
  }
  return samples
}

/**
 * How a pair of subjects (a raw one and forkrpc's) is measured on the tiny and ~1 KB payloads:
 * the thread rows and the NATS rows.
 */
export interface PairSettings {
  warmTiny: number
  warm1k: number
  /** Calls per repetition and repetitions, tiny and ~1 KB. */
  latencyCalls: readonly number[]
  latencyReps: readonly number[]
  throughputCalls: number
  throughputReps: number
}

/** A pair's latency rows (tiny, ~1 KB) and its throughput row (100 in flight). */
export interface PairResults {
  latency: Row[]
  throughput: Row[]
}

/** Starts the subjects, warms them up, measures them interleaved, and closes them. */
export async function measurePair(subjects: readonly Subject[], settings: PairSettings, label: string, log: (text: string) => void): Promise<PairResults> {
  const running: Running[] = []
  try {
    for (const subject of subjects) {
      running.push(await subject.start())
      log(`warming up ${subject.name}`)
      await warmUp(running[running.length - 1] as Running, { tiny: settings.warmTiny, kb: settings.warm1k, kb64: 0, mb: 0 })
    }
    const measured = payloads.slice(0, 2)
    const latency = await interleavedLatency(subjects, running, measured, settings.latencyCalls, settings.latencyReps, (text) => log(`${label}: ${text}`))
    const samples = await interleavedThroughput(subjects, running, 100, settings.throughputReps, () => settings.throughputCalls, (text) => log(`${label}: ${text}`))
    const throughput = subjects.map((subject, s): Row => ({ subject: subject.name, '100 in flight': summarize(samples[s] ?? []) }))
    return { latency, throughput }
  } finally {
    for (const r of running) await r.close().catch(() => undefined)
  }
}
