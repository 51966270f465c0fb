/**
 * The pool entries of the cookbook run as documented: each `main.ts` checks its own output
 * and exits non-zero if the library does not behave as shown (examples/routing,
 * examples/pool-liveness, examples/plugin-host). Each runs in its own process, which is killed if the test fails.
 */
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { childPids, track, tsx } from '../../helpers.js'

/** Runs examples/<name>/main.ts under tsx; resolves with its exit code and output. */
function runExample(name: string): Promise<{ code: number | null; output: string }> {
  const main = fileURLToPath(new URL(`../../../examples/${name}/main.ts`, import.meta.url))
  const child = spawn(process.execPath, [...tsx, main], { stdio: ['ignore', 'pipe', 'pipe'] })
  track(child)
  let output = ''
  child.stdout.on('data', (data: Buffer) => (output += data.toString()))
  child.stderr.on('data', (data: Buffer) => (output += data.toString()))
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, output })))
}

describe('the pool cookbook', () => {
  it.each(['routing', 'pool-liveness', 'plugin-host'])('examples/%s runs and checks itself', async (name) => {
    const { code, output } = await runExample(name)
    expect(code, output).toBe(0)
    expect(childPids()).toEqual([])
  }, 60_000)
})
