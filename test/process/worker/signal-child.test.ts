import type { ChildProcess } from 'node:child_process'
import { describe, expect, it } from 'vitest'
import { defineContract, procedure } from '@forkrpc/core'
import { fixtures } from '@forkrpc/testing'
import { forkForTest } from '@forkrpc/testing/vitest'
import { isAlive } from '../../helpers.js'

const contract = defineContract({ work: procedure<void, never>() })

/**
 * Gives `child` the kill() of Deno's ChildProcess (2.9.6): the first call signals and
 * disconnects the IPC channel, and every later call does nothing (returns false).
 */
function denoLikeKill(child: ChildProcess): void {
  const kill = child.kill.bind(child)
  let killed = false
  child.kill = (signal?: NodeJS.Signals | number) => {
    if (killed) return false
    killed = true
    const sent = kill(signal)
    if (child.connected) child.disconnect()
    return sent
  }
}

describe("signalling a worker, whatever the runtime's ChildProcess.kill() does", () => {
  it('close() still SIGKILLs a worker that ignores SIGTERM where kill() works only once (Deno)', async () => {
    const worker = await forkForTest(contract, fixtures.ignoreSigterm, { stdio: ['ignore', 'ignore', 'pipe', 'ipc'], allowExit: true })
    denoLikeKill(worker.process)
    void worker.call.work().catch(() => undefined)
    await new Promise((resolve) => setTimeout(resolve, 100)) // the call is running: SIGTERM is ignored
    expect(await worker.close({ grace: 50, killTimeout: 300 })).toEqual({ code: null, signal: 'SIGKILL', forced: true })
    expect(isAlive(worker.pid)).toBe(false)
  })

  it('close() wakes a stopped worker without kill(), which on Deno would disconnect it and report the SIGCONT as its exit', async () => {
    const worker = await forkForTest(contract, fixtures.slow, { stdio: ['ignore', 'ignore', 'pipe', 'ipc'] })
    let killCalls = 0
    const kill = worker.process.kill.bind(worker.process)
    worker.process.kill = (signal) => (killCalls++, kill(signal))
    process.kill(worker.pid, 'SIGSTOP')
    expect(await worker.close({ grace: 5_000, killTimeout: 5_000 })).toEqual({ code: 0, signal: null, forced: false })
    expect(killCalls).toBe(0)
  })
})
