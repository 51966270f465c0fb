/**
 * The reliability soak (issue 14): 1,000,000 calls through a pool of 2 process workers while
 * workers are SIGKILLed, SIGSTOPped (liveness gives up on them) and crash by themselves at
 * random. It counts what happened to every call and checks what must hold: no call lost, no
 * non-idempotent call run twice, no process left, the parent's heap back where it was.
 *
 *   pnpm --filter @forkrpc/bench soak            (1,000,000 calls, a few minutes)
 *   pnpm --filter @forkrpc/bench soak -- --calls 100000
 *
 * Not part of CI. Writes results/soak-latest.json and prints the table docs/performance.md shows.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createPool } from '@forkrpc/core'
import { describeMachine } from './machine.js'
import { soakContract } from './soak/soak.contract.js'

const argument = (name: string, fallback: number): number => {
  const at = process.argv.indexOf(`--${name}`)
  return at === -1 ? fallback : Number(process.argv[at + 1])
}
const CALLS = argument('calls', 1_000_000)
const IN_FLIGHT = argument('in-flight', 64)
/** How often a worker is SIGKILLed or SIGSTOPped, on average. */
const CHAOS_EVERY_MS = argument('chaos-ms', 400)
/** The chance that a worker crashes by itself (process.exit) on each call it runs. */
const CRASH_RATE = argument('crash-rate', 1 / 40_000)
const UNRESPONSIVE_AFTER_MS = 500

const logDir = mkdtempSync(join(tmpdir(), 'forkrpc-soak-'))
const heap = (): number => {
  ;(globalThis as { gc?: () => void }).gc?.()
  return process.memoryUsage().heapUsed
}

const heapBefore = heap()
const pool = createPool(soakContract, fileURLToPath(new URL('./workers/soak.worker.js', import.meta.url)), {
  min: 2,
  max: 2,
  concurrency: 8,
  unresponsiveAfter: UNRESPONSIVE_AFTER_MS,
  env: { ...process.env, SOAK_LOG_DIR: logDir, SOAK_CRASH_RATE: String(CRASH_RATE) },
  stdio: ['ignore', 'ignore', 'ignore', 'ipc'],
  // Workers die every few hundred ms here on purpose: the crash-loop guard must not stop the pool.
  maxRestarts: Infinity,
})

const live = new Set<number>()
const spawned = new Set<number>()
pool.on('spawn', ({ pid }) => pid > 0 && spawned.add(pid))
pool.on('ready', ({ pid }) => live.add(pid))
pool.on('exit', ({ pid }) => live.delete(pid))
const chaos = { SIGKILL: 0, SIGSTOP: 0 }
const timer = setInterval(() => {
  const pids = [...live]
  const pid = pids[Math.floor(Math.random() * pids.length)]
  if (pid === undefined || Math.random() > 0.5) return // on average every 2 × CHAOS_EVERY_MS per kind
  const signal = Math.random() < 0.5 ? 'SIGKILL' : 'SIGSTOP'
  try {
    process.kill(pid, signal)
    chaos[signal]++
    live.delete(pid)
  } catch {
    // it exited in between
  }
}, CHAOS_EVERY_MS / 2)

const outcomes = new Map<string, number>()
const count = (key: string): void => void outcomes.set(key, (outcomes.get(key) ?? 0) + 1)
let issued = 0
let settled = 0
/** Even calls are idempotent (`square`), odd ones are not (`record`). */
const kindOf = (n: number): 'square' | 'record' => (n % 2 === 0 ? 'square' : 'record')
const started = performance.now()
async function lane(): Promise<void> {
  while (issued < CALLS) {
    const n = issued++
    const kind = kindOf(n)
    try {
      const result = kind === 'square' ? await pool.call.square(n) : await pool.call.record(n)
      count(result === (kind === 'square' ? n * n : n) ? 'answered' : 'wrong answer')
    } catch (error) {
      count(`rejected: ${(error as Error).name}`)
    }
    settled++
  }
}
const lanes = Promise.all(Array.from({ length: IN_FLIGHT }, lane))
// A call that never settles is lost: wait for all of them, but not for ever.
const allSettled = await Promise.race([lanes.then(() => true), new Promise<false>((resolve) => setTimeout(resolve, 30 * 60_000, false).unref())])
const seconds = (performance.now() - started) / 1000
clearInterval(timer)
for (const pid of spawned) {
  try {
    process.kill(pid, 'SIGCONT') // a stopped worker the pool has not killed yet
  } catch {
    // gone
  }
}
const closed = await pool.close({ grace: 1_000, killTimeout: 1_000 })
await new Promise((resolve) => setTimeout(resolve, 500))
const heapAfter = heap()
const left = [...spawned].filter((pid) => {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
})

// Executions per call, from every worker's log.
const executions = new Map<number, number>()
for (const file of readdirSync(logDir)) {
  for (const line of readFileSync(join(logDir, file), 'utf8').split('\n')) {
    if (line !== '') executions.set(Number(line), (executions.get(Number(line)) ?? 0) + 1)
  }
}
rmSync(logDir, { recursive: true, force: true })
let ranTwiceRecord = 0
let ranTwiceSquare = 0
for (const [n, times] of executions) {
  if (times > 1 && kindOf(n) === 'record') ranTwiceRecord++
  if (times > 1 && kindOf(n) === 'square') ranTwiceSquare++
}

const figures = {
  date: new Date().toISOString(),
  machine: describeMachine(),
  calls: CALLS,
  inFlight: IN_FLIGHT,
  seconds: Math.round(seconds),
  callsPerSecond: Math.round(settled / seconds),
  outcomes: Object.fromEntries([...outcomes].sort((a, b) => b[1] - a[1])),
  chaos: { ...chaos, workersStarted: spawned.size, crashRatePerCall: CRASH_RATE, unresponsiveAfterMs: UNRESPONSIVE_AFTER_MS },
  idempotentRanTwice: ranTwiceSquare,
  nonIdempotentRanTwice: ranTwiceRecord,
  lost: CALLS - settled,
  processesLeft: left.length,
  closed: closed.length,
  heapBeforeMB: +(heapBefore / 2 ** 20).toFixed(1),
  heapAfterMB: +(heapAfter / 2 ** 20).toFixed(1),
}
writeFileSync(new URL('../results/soak-latest.json', import.meta.url), `${JSON.stringify(figures, null, 2)}\n`)
console.log(JSON.stringify(figures, null, 2))
const broken = [
  !allSettled && 'calls still pending after 30 minutes',
  figures.lost > 0 && `${figures.lost} call(s) lost`,
  ranTwiceRecord > 0 && `${ranTwiceRecord} non-idempotent call(s) ran twice`,
  left.length > 0 && `${left.length} process(es) left: ${left.join(', ')}`,
  outcomes.has('wrong answer') && 'wrong answers',
].filter(Boolean)
if (broken.length > 0) {
  console.error(`soak FAILED: ${broken.join('; ')}`)
  process.exitCode = 1
}
process.exit()
