import { spawn, spawnSync } from 'node:child_process'
import { describe, expect, it } from 'vitest'
import { fixture, isAlive, track, tsx, waitForExit } from './helpers.js'

describe('a parent that dies', () => {
  it('takes its worker with it: serve() exits when the parent disconnects, even after SIGKILL', async () => {
    const parent = spawn(process.execPath, [...tsx, fixture('orphan-parent.ts')], { stdio: ['ignore', 'pipe', 'inherit'] })
    track(parent)
    const workerPid = await new Promise<number>((resolve, reject) => {
      let output = ''
      parent.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString()
        if (output.includes('\n')) resolve(Number(output.trim()))
      })
      parent.once('exit', (code) => reject(new Error(`the parent exited (${code}) before reporting its worker`)))
    })
    track(workerPid)
    expect(isAlive(workerPid)).toBe(true)
    parent.kill('SIGKILL')
    await waitForExit(workerPid, 5_000)
    expect(isAlive(workerPid)).toBe(false)
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
