import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { fixture, isAlive, track, tsx, waitForExit } from '../../helpers.js'

/** Starts fixtures/orphan-parent.ts and resolves with the parent and its worker's pid. */
async function startParent(mode: 'hang' | 'spin', env: NodeJS.ProcessEnv = process.env): Promise<{ parent: ChildProcess; workerPid: number }> {
  const parent = spawn(process.execPath, [...tsx, fixture('orphan-parent.ts'), mode], { stdio: ['ignore', 'pipe', 'inherit'], env })
  track(parent)
  const workerPid = await new Promise<number>((resolve, reject) => {
    let output = ''
    parent.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString()
      if (output.includes('\n')) resolve(Number(output.trim()))
    })
    parent.once('exit', (code) => reject(new Error(`the parent exited (${code}) before reporting its worker`)))
  })
  track(workerPid)
  expect(isAlive(workerPid)).toBe(true)
  return { parent, workerPid }
}

const logs = mkdtempSync(join(tmpdir(), 'forkrpc-orphan-'))
afterAll(() => rmSync(logs, { recursive: true, force: true }))

describe('a parent that dies', () => {
  it('takes its worker with it: serve() shuts down (hooks and all) when the parent is SIGKILLed', async () => {
    const log = join(logs, 'hooks.log')
    // Without the watchdog (WATCHDOG=0): on a loaded machine its 650 ms grace could end before
    // the hooks run, and this test is about the main thread's own shutdown (the next one is
    // about the watchdog).
    const { parent, workerPid } = await startParent('hang', { ...process.env, SHUTDOWN_LOG: log, WATCHDOG: '0' })
    parent.kill('SIGKILL')
    await waitForExit(workerPid, 5_000)
    // It went by its own shutdown, told why: not killed by the watchdog or by the test's cleanup.
    expect(readFileSync(log, 'utf8').trim().split('\n')).toEqual(['hook1 parent-died', 'hook2 parent-died'])
  })

  it('takes its worker with it even while the worker is stuck in a synchronous loop (the watchdog)', async () => {
    const { parent, workerPid } = await startParent('spin')
    const killedAt = Date.now()
    parent.kill('SIGKILL')
    // The design bound is 1 s (watchdog poll 100 ms + 650 ms grace); 3 s leaves room for a loaded machine.
    await waitForExit(workerPid, 3_000)
    expect(Date.now() - killedAt).toBeLessThan(3_000)
  })

  it('without the watchdog, a worker in a synchronous loop outlives its dead parent (why the watchdog exists)', async () => {
    const { parent, workerPid } = await startParent('spin', { ...process.env, WATCHDOG: '0' })
    parent.kill('SIGKILL')
    await new Promise((resolve) => setTimeout(resolve, 1_500))
    expect(isAlive(workerPid)).toBe(true) // killed by the afterEach cleanup
  })

  it('a parent that never closes its idle worker still exits by itself, and the worker follows', async () => {
    // spawnSync returns only once the parent has exited on its own; the timeout is a safety net.
    const result = spawnSync(process.execPath, [...tsx, fixture('forgetful-parent.ts')], { encoding: 'utf8', timeout: 15_000 })
    expect(result.error).toBeUndefined()
    expect(result.status).toBe(0)
    const [pid, reply] = result.stdout.trim().split(' ', 2)
    expect(reply).toBe('slept')
    track(Number(pid))
    await waitForExit(Number(pid), 5_000)
  })
})
