#!/usr/bin/env node
// The runtime suite: every check of checks/ on the runtime that runs this file, with
// node:assert and nothing else, so that Node, Bun and Deno run it directly over the built
// packages (`pnpm build` first):
//
//   node test/runtimes/suite.mjs                  # Node parent, Node workers
//   bun test/runtimes/suite.mjs                   # Bun
//   deno run -A test/runtimes/suite.mjs           # Deno
//   node test/runtimes/suite.mjs --workers bun    # Node parent, workers on Bun (execPath)
//   ... --only fork,close                         # some checks
//
// Each result is compared with support.mjs (the README's table): the run fails when a check
// fails that should pass, or passes where the table says it fails.
import { parseArgs } from 'node:util'
import { shutdownAll, workers } from '@forkrpc/core'
import { runtimeCommand } from '../../scripts/runtimes.mjs'
import { checks } from './checks/index.mjs'
import { checkContext, isAlive, sleep } from './harness.mjs'
import { columnOf, GAPS } from './support.mjs'

/** How long one check may take before it counts as failed (a hang is a failure too). */
const CHECK_TIMEOUT_MS = 60_000

const { values } = parseArgs({ options: { workers: { type: 'string' }, only: { type: 'string' } } })
// Which column of the table this run fills: the runtime's own name, read for the report only.
const parent = process.versions.bun !== undefined ? 'bun' : process.versions.deno !== undefined ? 'deno' : 'node'
const column = columnOf(parent, values.workers)
const workerOptions = values.workers === undefined ? {} : runtimeCommand(values.workers)
const only = values.only?.split(',')
const version = process.versions.bun ?? process.versions.deno ?? process.versions.node

console.log(`forkrpc runtime suite: ${parent} ${version}${values.workers ? `, workers on ${values.workers} (${workerOptions.execPath})` : ''}; column "${column.title}"`)
const mismatches = []
for (const check of checks) {
  if (only !== undefined && !only.includes(check.id)) continue
  const applies = values.workers === undefined || check.scope !== 'parent'
  const gap = GAPS[column.id][check.id]
  if (!applies) {
    console.log(`  -  ${check.id}: does not apply`)
    continue
  }
  const started = Date.now()
  const error = await runCheck(check, checkContext({ workerOptions, foreign: values.workers }))
  const took = `${Date.now() - started} ms`
  if (error === undefined && gap === undefined) console.log(`  ok ${check.id} (${took})`)
  else if (error !== undefined && gap !== undefined && gap.failure.test(String(error?.message ?? error))) console.log(`  ok ${check.id}: fails as the table says (${took}): ${firstLine(error)}`)
  else if (error !== undefined) {
    mismatches.push(check.id)
    const expected = gap === undefined ? '' : `\n       the table says it fails with ${gap.failure}, but it failed otherwise`
    console.log(`  FAIL ${check.id} (${took}): ${error?.stack ?? error}${expected}`)
  } else {
    mismatches.push(check.id)
    console.log(`  FAIL ${check.id}: passes, but the table says it fails (${gap.reason}); update test/runtimes/support.mjs and the README (node test/runtimes/table.mjs --write)`)
  }
}
if (mismatches.length > 0) {
  console.log(`${mismatches.length} check(s) differ from the support table: ${mismatches.join(', ')}`)
  process.exitCode = 1
} else console.log('every check as the support table says')

/** Runs `check`; its error, or undefined. Whatever it left running is stopped, and counts as a failure. */
async function runCheck(check, ctx) {
  let timer
  let error
  try {
    await Promise.race([
      check.run(ctx),
      new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`did not finish within ${CHECK_TIMEOUT_MS} ms`)), CHECK_TIMEOUT_MS))),
    ])
  } catch (failure) {
    error = failure
  } finally {
    clearTimeout(timer)
  }
  await ctx.cleanUp()
  const left = workers()
  if (left.length > 0) {
    await Promise.race([shutdownAll({ grace: 0, killTimeout: 500 }), sleep(3_000)])
    for (const { runtime, pid } of left) if (runtime === 'process' && isAlive(pid)) process.kill(pid, 'SIGKILL')
    error ??= new Error(`left ${left.length} worker(s) running: ${left.map((worker) => worker.pid).join(', ')}`)
  }
  return error
}

function firstLine(error) {
  return String(error?.message ?? error).split('\n')[0]
}
