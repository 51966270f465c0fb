/**
 * The cookbook demo: runs every example's main.ts in turn, each in its own process, and
 * exits non-zero if any of them fails. An example that cannot run here (nats-failover without
 * nats-server) exits with SKIPPED, the code test harnesses use for "skipped" (automake, meson):
 * the summary lists it as skipped and counts it apart from the passed ones.
 *
 * Run: pnpm run demo   (builds the packages first), or: pnpm exec tsx examples/demo.ts
 */
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const examples = [
  'hello',
  'timeout-cancel',
  'errors',
  'crash',
  'connect',
  'graceful-shutdown',
  'runaway',
  'cpu-pool',
  'routing',
  'pool-liveness',
  'http-service',
  'progress-bar',
  'file-lines',
  'config-from-parent',
  'thread-vs-process',
  'interceptors',
  'deadlines',
  'debug-worker',
  'plugin-host',
  'tracing',
  // Needs nats-server; without one it says so and skips (exit code SKIPPED).
  'nats-failover',
]
/** The exit code of an example that skipped itself (see examples/README.md). */
const SKIPPED = 77
type Outcome = 'ok' | 'skipped' | 'FAIL'
const results: Array<{ name: string; outcome: Outcome; detail: string }> = []

for (const name of examples) {
  const main = fileURLToPath(new URL(`./${name}/main.ts`, import.meta.url))
  console.log(`\n### examples/${name} ###`)
  const started = performance.now()
  // process.execArgv passes tsx on to the example.
  const run = spawnSync(process.execPath, [...process.execArgv, main], { stdio: 'inherit', timeout: 60_000 })
  const ms = Math.round(performance.now() - started)
  const outcome: Outcome = run.status === 0 ? 'ok' : run.status === SKIPPED ? 'skipped' : 'FAIL'
  const detail = run.error ? run.error.message : run.signal ? `killed by ${run.signal}` : `exit code ${run.status}`
  results.push({ name, outcome, detail: `${detail}, ${ms} ms` })
}

console.log('\n### summary ###')
for (const { name, outcome, detail } of results) console.log(`${outcome.padEnd(7)} ${name} (${detail})`)
const count = (outcome: Outcome) => results.filter((result) => result.outcome === outcome).length
const [passed, skipped, failed] = [count('ok'), count('skipped'), count('FAIL')]
const skippedNote = skipped === 0 ? '' : `, ${skipped} skipped (${results.filter((r) => r.outcome === 'skipped').map((r) => r.name).join(', ')})`
console.log(`${passed} of ${results.length} examples passed${skippedNote}${failed === 0 ? '' : `, ${failed} FAILED`}`)
process.exitCode = failed === 0 ? 0 : 1
