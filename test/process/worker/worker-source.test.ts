/**
 * A worker named once, as it is after a build (`new URL('./worker.js', import.meta.url)`),
 * whose TypeScript source sits beside it (fixtures/source-only.worker.ts, no .js): a parent
 * in plain JavaScript (fixtures/source-parent.mjs) starts it with fork(), spawnThread() and a
 * pool of each runtime, under tsx, under plain node and with a loader that does not run
 * TypeScript; and a test starts it with tsx in the worker's Node options.
 */
import { spawnSync } from 'node:child_process'
import { createRequire } from 'node:module'
import { describe, expect, it } from 'vitest'
import { fork } from '@forkrpc/core'
import { plain } from '../../fixtures/plain.contract.mjs'
import { childPids, fixture, forkFixture, spawnThreadFixture } from '../../helpers.js'

const parent = fixture('source-parent.mjs')
const source = fixture('source-only.worker.ts')
const tsxCli = createRequire(import.meta.url).resolve('tsx/cli')
/** Node 22.18+ strips types itself (the process tests also run on Node 22, 24 and 26). */
const stripsTypes = Boolean((process.features as { typescript?: unknown }).typescript)

/** What source-parent.mjs prints, run by this Node with `args` before it. */
function runParent(...args: string[]): Record<string, unknown> {
  const run = spawnSync(process.execPath, [...args, parent], { encoding: 'utf8', timeout: 60_000 })
  expect(run.status, run.stderr).toBe(0)
  return JSON.parse(run.stdout.trim().split('\n').at(-1) as string) as Record<string, unknown>
}

const served = (sum: number) => ({ value: { sum, module: source, closed: { code: 0, signal: null, forced: false } } })
const allServed = { fork: served(3), thread: served(3), processPool: { value: { sum: 4 } }, threadPool: { value: { sum: 4 } } }
/** Each start failed with StartupError (a pool's calls: CrashLoopError, whose cause it is) saying `why`. */
const allFailed = (why: string) => ({
  fork: { class: 'StartupError', module: source, message: expect.stringContaining(why) },
  thread: { class: 'StartupError', module: source, message: expect.stringContaining(why) },
  processPool: { class: 'CrashLoopError', module: source, message: expect.stringContaining(why) },
  threadPool: { class: 'CrashLoopError', module: source, message: expect.stringContaining(why) },
})

describe('a worker named by its built .js, with only its TypeScript source beside it', () => {
  it('runs under tsx: in a process, in a thread, in a pool of each (tsx is registered in threads too)', () => {
    expect(runParent(tsxCli)).toEqual(allServed)
  })

  it('under plain node is a StartupError saying how to run it, before anything starts; where Node strips types, it runs', () => {
    const result = runParent()
    if (stripsTypes) expect(result).toEqual(allServed)
    else {
      expect(result).toEqual(allFailed('it is TypeScript, and nothing would run it'))
      expect((result.fork as { message: string }).message).toContain("execArgv: ['--import', 'tsx']")
    }
  })

  it("with a loader that does not run TypeScript: the worker's refusal comes with the same advice", () => {
    const result = runParent('--require', fixture('not-a-typescript-loader.cjs'))
    if (stripsTypes) expect(result).toEqual(allServed)
    else expect(result).toEqual(allFailed('its runtime refused the TypeScript file (Unknown file extension): no loader it was given runs .ts; run this process under tsx'))
  })

  it('starts in a test with tsx in the worker options, as a process and as a thread', async () => {
    const processWorker = await forkFixture(plain, 'source-only.worker.js')
    const threadWorker = await spawnThreadFixture(plain, 'source-only.worker.js')
    expect(await processWorker.call.add({ a: 1, b: 2 })).toBe(3)
    expect(await threadWorker.call.add({ a: 2, b: 2 })).toBe(4)
  })

  it('refuses it without a loader before spawning a process (where Node strips types, runs it)', async () => {
    const before = childPids()
    const started = fork(plain, new URL('../../fixtures/source-only.worker.js', import.meta.url), { execArgv: [], stdio: ['ignore', 'ignore', 'pipe', 'ipc'] })
    if (stripsTypes) {
      await using worker = await started
      expect(await worker.call.add({ a: 3, b: 4 })).toBe(7)
    } else {
      await expect(started).rejects.toThrow(/it is TypeScript, and nothing would run it/)
      expect(childPids()).toEqual(before)
    }
  })
})
