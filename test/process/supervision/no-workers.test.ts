import { describe, expect, it } from 'vitest'
import { fork, workers } from '@forkrpc/core'
import { assertNoWorkers, WorkersStillRunningError } from '@forkrpc/testing'
import { lifecycle } from '../../fixtures/lifecycle.contract.js'
import { fixture, isAlive, track, tsx } from '../../helpers.js'

describe('assertNoWorkers', () => {
  it('resolves when no forkrpc worker is running', async () => {
    expect(workers()).toEqual([])
    await assertNoWorkers()
  })

  it('rejects with WorkersStillRunningError naming a worker left running, and stops it', async () => {
    const worker = await fork(lifecycle, fixture('lifecycle.worker.ts'), { execArgv: tsx, stdio: ['ignore', 'ignore', 'pipe', 'ipc'] })
    track(worker.pid)
    const busy = worker.call.hang().catch((e: unknown) => e)
    await worker.call.sleep(1)
    const error = (await assertNoWorkers().catch((e: unknown) => e)) as WorkersStillRunningError
    expect(error).toBeInstanceOf(WorkersStillRunningError)
    expect(error.code).toBe('ERR_FORKRPC_WORKERS_STILL_RUNNING')
    expect(error.workers).toEqual([{ runtime: 'process', pid: worker.pid, threadId: undefined, module: fixture('lifecycle.worker.ts'), state: 'ready', inFlight: 1 }])
    expect(error.message).toContain(`pid ${worker.pid} (ready, 1 call(s) in flight)`)
    expect(isAlive(worker.pid)).toBe(false)
    expect(await busy).toMatchObject({ name: 'WorkerExitedError' })
    expect(workers()).toEqual([])
  })
})
