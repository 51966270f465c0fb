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
