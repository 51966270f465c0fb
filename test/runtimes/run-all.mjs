#!/usr/bin/env node
// `pnpm test:runtimes`: the runtime suite on every column of the support table, one after
// the other (the runtimes installed first by scripts/runtimes.mjs), then a summary. CI runs
// the same runs in .ci/run, between its vitest runs. Extra arguments go to each run
// (`pnpm test:runtimes --only fork,close`).
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { runtimeCommand } from '../../scripts/runtimes.mjs'

const suite = fileURLToPath(new URL('./suite.mjs', import.meta.url))
const extra = process.argv.slice(2)
const runs = [
  ['this Node', process.execPath, [suite]],
  ...['node22', 'node24', 'node26', 'bun', 'deno'].map((name) => {
    const { execPath, execArgv } = runtimeCommand(name)
    return [name, execPath, [...execArgv, suite]]
  }),
  ['Node parent, Bun workers', process.execPath, [suite, '--workers', 'bun']],
  ['Node parent, Deno workers', process.execPath, [suite, '--workers', 'deno']],
]
const failed = []
for (const [name, command, args] of runs) {
  console.log(`\n=== ${name} ===`)
  const { status, signal } = spawnSync(command, [...args, ...extra], { stdio: 'inherit' })
  if (status !== 0) failed.push(`${name} (${signal ?? `exit code ${status}`})`)
}
console.log(failed.length === 0 ? '\nthe runtime suite passed on every runtime' : `\nthe runtime suite failed on: ${failed.join(', ')}`)
process.exitCode = failed.length === 0 ? 0 : 1
