/**
 * testing: the WordService (word-service.ts) tested with each helper of @forkrpc/testing,
 * from the fastest to the most real.
 *
 * Run: pnpm exec vitest run examples/testing
 */
import { describe, expect, it } from 'vitest'
import { TimeoutError, WorkerExitedError, type RpcWorker } from '@forkrpc/core'
import { createTestPair, fixtures, mockWorker, NotImplementedError } from '@forkrpc/testing'
import { expectNoWorkersAfterEach, forkForTest } from '@forkrpc/testing/vitest'
import { words } from './words.contract.js'
import { wordHandlers } from './words.handlers.js'
import { WordService } from './word-service.js'

// Named as after a build: words.worker.ts beside it runs, with tsx in the worker's Node options
// (vitest's own process has no loader to pass on; a built worker would not need this).
const tsx = { execArgv: ['--import', 'tsx'] }
const workerModule = new URL('./words.worker.js', import.meta.url)

// Whatever a test did, no worker may outlive it (checked after forkForTest has closed its own).
expectNoWorkersAfterEach()

describe('1. the handlers, in memory: createTestPair', () => {
  it('counts words, through the same codec as a real channel', async () => {
    await using pair = createTestPair(words, wordHandlers)
    expect(await pair.call.count('the quick  brown fox')).toBe(4)
  })

  it('a lost reply is a TimeoutError, exactly as with a real worker', async () => {
    await using pair = createTestPair(words, wordHandlers)
    pair.faults.dropReplies(1)
    await expect(pair.call.count('lost', { timeout: 50 })).rejects.toBeInstanceOf(TimeoutError)
  })
})

describe('2. the service, without a process: mockWorker', () => {
  it('sends the text and returns the count', async () => {
    const worker = mockWorker(words, { count: () => 42 })
    const service = new WordService(async () => worker)
    expect(await service.count('anything')).toBe(42)
    expect(worker.callsTo('count')).toEqual([{ procedure: 'count', input: 'anything', options: { timeout: 1_000 }, outcome: { status: 'resolved', value: 42 } }])
    await service.close()
  })

  it('replaces a worker that died mid-call and retries there', async () => {
    const dying: RpcWorker<typeof words> = mockWorker(words, {
      count: () => {
        first.faults.exit({ signal: 'SIGKILL' })
        return new Promise(() => {})
      },
    })
    const first = dying as ReturnType<typeof mockWorker<typeof words>>
    const second = mockWorker(words, { count: (text) => text.length })
    const queue = [first, second]
    const service = new WordService(async () => queue.shift()!)
    expect(await service.count('abc')).toBe(3)
    expect(service.started).toBe(2)
    expect(first.calls[0]?.outcome).toMatchObject({ status: 'rejected', error: { name: 'WorkerExitedError', signal: 'SIGKILL' } })
    await service.close()
  })

  it('does not retry other errors', async () => {
    const worker = mockWorker(words, {})
    const service = new WordService(async () => worker)
    await expect(service.count('x')).rejects.toBeInstanceOf(NotImplementedError)
    expect(service.started).toBe(1)
    await service.close()
  })
})

describe('3. the service with the real worker: forkForTest', () => {
  it('counts words in a child process, which is closed when the test ends', async () => {
    const service = new WordService(() => forkForTest(words, workerModule, tsx))
    expect(await service.count('one two three')).toBe(3)
  })
})

describe('4. the service against misbehaving workers: fixtures', () => {
  it('a worker that crashes on every first call: one retry, then WorkerExitedError', async () => {
    const service = new WordService(() => forkForTest(words, fixtures.crashOnFirstCall, { allowExit: true, stdio: ['ignore', 'ignore', 'pipe', 'ipc'] }))
    const error = await service.count('doomed').catch((e: unknown) => e)
    expect(error).toBeInstanceOf(WorkerExitedError)
    expect(error).toMatchObject({ exitCode: 1 })
    expect(service.started).toBe(2)
  })

  it('a worker slower than the timeout: one retry, then TimeoutError', async () => {
    const env = { ...process.env, FORKRPC_FIXTURE_DELAY_MS: '2000' }
    const service = new WordService(() => forkForTest(words, fixtures.slow, { env }), 100)
    await expect(service.count('tortoise')).rejects.toBeInstanceOf(TimeoutError)
    expect(service.started).toBe(2)
    await service.close()
  })
})
