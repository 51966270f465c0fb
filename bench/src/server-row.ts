/**
 * The server row: the shape of a server offloading CPU work to a pool of 2 under 2.5 times
 * the load it can serve, each call with a 2 s deadline (server-load.ts), on forkrpc's pool and
 * on piscina (server-subjects.ts). The capacity is measured in the same run, just before each
 * load: the handler run serially in this process, times the workers. Reported per pool: the
 * calls that succeeded within their deadline per second of one window, the same for every pool
 * (from the first arrival to the last one's deadline: every pool is given the same calls, and
 * what counts is how many of them succeed in time), the p50 and p99 latency of those, and the
 * failures by kind, with the load average beside them. The window was once each pool's own,
 * until its last call settled: that counted against a pool the calls it still ran in time after
 * the arrivals stopped (a longer window for more successes), and for one that refused them.
 */
import os from 'node:os'
import { setTimeout as delay } from 'node:timers/promises'
import { POOL_WORKERS } from './pools.js'
import type { Target } from './report.js'
import { runLoad, type LoadOutcome } from './server-load.js'
import { DEADLINE_MS, FORKRPC_SERVER, serverSubjects, type ServerPool } from './server-subjects.js'
import { hashPassword, roundsFor, serialRunTime } from './server-work.js'
import { round, summarize, table, type Row, type Summary } from './stats.js'

export interface ServerSettings {
  /** Loads per pool, interleaved across pools in a rotating order. */
  reps: number
  /** How long calls arrive in each load, ms. */
  ms: number
}

/** The overload: arrivals per second over the capacity. */
export const OVERLOAD = 2.5
/** The run time of one call, aimed at when the rounds are calibrated (ms). */
const RUN_MS = 50

export interface ServerResults {
  rounds: number
  settings: ServerSettings
  /** Per pool: its runtime, and per load the capacity, the load average and what the load saw. */
  rows: Row[]
}

/** The percentile `p` (0-1) of `values` (NaN if none). */
const percentile = (values: number[], p: number): number => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(values.length * p))] ?? NaN

/** Starts every pool, warms it up, runs the loads, closes the pools (also on failure). */
export async function measureServer(settings: ServerSettings, log: (text: string) => void): Promise<ServerResults> {
  const rounds = roundsFor(RUN_MS)
  const subjects = serverSubjects()
  log(`server row: ${subjects.length} pools, ${rounds} PBKDF2 rounds a call (~${RUN_MS} ms), ${OVERLOAD}x the capacity for ${settings.ms / 1_000} s, ${settings.reps} load(s) each`)
  const pools: ServerPool[] = []
  const samples = subjects.map(() => [] as Array<{ capacity: number; load: number; outcome: LoadOutcome }>)
  try {
    const expected = hashPassword({ password: 'warm 0', rounds })
    for (const subject of subjects) {
      const pool = subject.start()
      pools.push(pool)
      // Warm up (forkrpc estimates a procedure's run time from its first runs), and check the answer.
      for (let i = 0; i < 4; i++) {
        const answers = await Promise.all(Array.from({ length: POOL_WORKERS }, (_, w) => pool.hash({ password: `warm ${w}`, rounds })))
        if (answers[0] !== expected) throw new Error(`${subject.name}: the hash differs from the inline computation`)
      }
    }
    for (let rep = 0; rep < settings.reps; rep++) {
      for (let k = 0; k < subjects.length; k++) {
        const s = (k + rep) % subjects.length
        const capacity = (POOL_WORKERS * 1_000) / serialRunTime(rounds, 10)
        const load = os.loadavg()[0] ?? NaN
        log(`server row, load ${rep + 1} of ${settings.reps}: ${subjects[s]?.name} (capacity ${capacity.toFixed(1)} calls/s, load average ${load.toFixed(2)})`)
        const outcome = await runLoad(pools[s] as ServerPool, { perSecond: OVERLOAD * capacity, ms: settings.ms, rounds })
        samples[s]?.push({ capacity, load, outcome })
        await delay(500) // replacements of workers killed or terminated meanwhile
      }
    }
  } finally {
    for (const [s, pool] of pools.entries()) await pool.close().catch((error: unknown) => log(`closing ${subjects[s]?.name} failed: ${String(error)}`))
  }
  const rows = subjects.map((subject, s): Row => {
    const runs = samples[s] ?? []
    const share = (pick: (outcome: LoadOutcome) => number): Summary => summarize(runs.map(({ outcome }) => pick(outcome) / outcome.made))
    const window = (settings.ms + DEADLINE_MS) / 1_000
    return {
      subject: subject.name,
      runtime: subject.runtime,
      'in time/s': summarize(runs.map(({ outcome }) => outcome.inTime.length / window)),
      'of capacity': summarize(runs.map(({ outcome, capacity }) => outcome.inTime.length / window / capacity)),
      'p50 ms': summarize(runs.map(({ outcome }) => percentile(outcome.inTime, 0.5))),
      'p99 ms': summarize(runs.map(({ outcome }) => percentile(outcome.inTime, 0.99))),
      refused: share((outcome) => outcome.failed.refused),
      timeout: share((outcome) => outcome.failed.timeout),
      other: share((outcome) => outcome.failed.other),
      capacity: summarize(runs.map(({ capacity }) => capacity)),
      made: summarize(runs.map(({ outcome }) => outcome.made)),
      load: summarize(runs.map(({ load }) => load)),
    }
  })
  return { rounds, settings, rows }
}

const summary = (row: Row | undefined, column: string): Summary | undefined => row?.[column] as Summary | undefined
const range = (s: Summary | undefined, format: (value: number) => string = round): string => (s === undefined ? 'n/a' : `${format(s.median)} [${format(s.min)}-${format(s.max)}]`)
const percent = (value: number): string => `${Math.round(value * 100)}%`

export function renderServer(server: ServerResults | undefined): string[] {
  if (server === undefined) return ['\n**Server row**: not in these results (measured before the section existed).']
  const { settings, rows } = server
  const capacity = summarize(rows.flatMap((row) => summary(row, 'capacity')?.samples ?? []))
  return [
    `\n**A server's pool under ${OVERLOAD}x overload** (pools of ${POOL_WORKERS} workers; each call a ~${RUN_MS} ms synchronous PBKDF2 hash (${server.rounds.toLocaleString('en-US')} rounds) with a ${DEADLINE_MS / 1_000} s deadline; ` +
      `calls arriving at ${OVERLOAD} times the capacity for ${settings.ms / 1_000} s, a fifth of them in a burst once a second; the capacity, measured before each load: ${POOL_WORKERS} x 1,000 / the hash's median time run serially in this process, ${range(capacity)} calls/s. ` +
      `Successes count only within their deadline, per second of the same window for every pool, from the first arrival to the last one's deadline (${(settings.ms + DEADLINE_MS) / 1_000} s; of capacity: of what the workers could finish in it); failures as shares of the calls made: refused (a server's 503), timed out (504), other. ${settings.reps} load(s) per pool, interleaved: median [range])\n`,
    table(
      ['', 'workers', 'successful calls/s', 'of capacity', 'p50 latency (ms)', 'p99 latency (ms)', 'refused', 'timed out', 'other', 'load average (1 min)'],
      rows.map((row) => [
        row.subject,
        String(row.runtime),
        range(summary(row, 'in time/s')),
        range(summary(row, 'of capacity'), (value) => value.toFixed(2)),
        range(summary(row, 'p50 ms')),
        range(summary(row, 'p99 ms')),
        range(summary(row, 'refused'), percent),
        range(summary(row, 'timeout'), percent),
        range(summary(row, 'other'), percent),
        range(summary(row, 'load'), (value) => value.toFixed(2)),
      ]),
    ),
  ]
}

/** forkrpc's pool (processes) ahead of the better piscina row in successful calls per second, judged on the medians. */
export function serverTargets(server: ServerResults | undefined): Target[] {
  if (server === undefined) return []
  const median = (row: Row | undefined): number => summary(row, 'in time/s')?.median ?? NaN
  const ours = median(server.rows.find((row) => row.subject === FORKRPC_SERVER))
  const piscinas = server.rows.filter((row) => row.subject.startsWith('piscina'))
  const best = piscinas.reduce<Row | undefined>((found, row) => (found === undefined || median(row) > median(found) ? row : found), undefined)
  const ratio = ours / median(best)
  return [{ name: `server shape, successful calls/s under ${OVERLOAD}x overload ahead of piscina (ratio to ${best?.subject ?? 'piscina'})`, medians: ratio, bests: NaN, met: ratio > 1, metOnMedians: ratio > 1, judgedOn: 'medians' }]
}
