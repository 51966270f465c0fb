// @forkrpc/testing's vitest helpers under vitest on the runtime that runs it: the runtime
// suite's `testing-vitest` check runs this file (vitest.config.mjs beside it).
import { describe, expect, it } from 'vitest'
import { WorkerExitedError } from '@forkrpc/core'
import { fixtures } from '@forkrpc/testing'
import { expectNoWorkersAfterEach, forkForTest } from '@forkrpc/testing/vitest'
import { host, suite } from '../fixtures/suite.contract.mjs'
import { fixture, isAlive } from '../harness.mjs'

expectNoWorkersAfterEach()
let firstPid

describe('@forkrpc/testing/vitest', () => {
  it('forkForTest forks a worker', async () => {
    const worker = await forkForTest(suite, fixture('suite.worker.mjs'), { host })
    firstPid = worker.pid
    expect(await worker.call.add({ a: 1, b: 2 })).toBe(3)
  })

  it('which is closed once its test is over', () => {
    expect(firstPid).toBeTypeOf('number')
    expect(isAlive(firstPid)).toBe(false)
  })

  it('a fixture worker may crash when the test says so (allowExit)', async () => {
    const worker = await forkForTest(suite, fixtures.crashOnFirstCall, { host, allowExit: true })
    await expect(worker.call.add({ a: 1, b: 2 })).rejects.toBeInstanceOf(WorkerExitedError)
  })
})
