import { spawn } from 'node:child_process'
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
})
