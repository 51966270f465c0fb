/**
 * The cookbook demo: runs every example's main.ts in turn, each in its own process, and
 * exits non-zero if any of them fails.
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
  // Needs nats-server; without one it says so and skips (exit 0).
  'nats-failover',
]
const results: Array<{ name: string; ok: boolean; detail: string }> = []

for (const name of examples) {
  const main = fileURLToPath(new URL(`./${name}/main.ts`, import.meta.url))
  console.log(`\n### examples/${name} ###`)
  const started = performance.now()
  // process.execArgv passes tsx on to the example.
  const run = spawnSync(process.execPath, [...process.execArgv, main], { stdio: 'inherit', timeout: 60_000 })
  const ms = Math.round(performance.now() - started)
  const ok = run.status === 0
  const detail = run.error ? run.error.message : run.signal ? `killed by ${run.signal}` : `exit code ${run.status}`
  results.push({ name, ok, detail: `${detail}, ${ms} ms` })
}

console.log('\n### summary ###')
for (const { name, ok, detail } of results) console.log(`${ok ? 'ok  ' : 'FAIL'}  ${name} (${detail})`)
const failed = results.filter((result) => !result.ok).length
console.log(failed === 0 ? `all ${results.length} examples passed` : `${failed} of ${results.length} examples failed`)
process.exitCode = failed === 0 ? 0 : 1
