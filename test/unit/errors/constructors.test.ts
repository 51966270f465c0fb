/**
 * Every error class can be built from a message alone (other fields optional), so that users'
 * test doubles can throw the real thing, and with its fields as options.
 */
import { describe, expect, it } from 'vitest'
import * as core from '@forkrpc/core'
import { ForkRpcError } from '@forkrpc/core'
import * as testing from '@forkrpc/testing'

type ErrorConstructor = new (message?: string, options?: Record<string, unknown>) => ForkRpcError

const errorClasses = ([...Object.entries(core), ...Object.entries(testing)] as Array<[string, unknown]>).filter(
  (entry): entry is [string, ErrorConstructor] =>
    typeof entry[1] === 'function' && (entry[1] === ForkRpcError || (entry[1] as { prototype: unknown }).prototype instanceof ForkRpcError),
)

describe('error classes', () => {
  it('are all found (the list below must not be empty)', () => {
    expect(errorClasses.map(([name]) => name)).toEqual(expect.arrayContaining(['ForkRpcError', 'StartupError', 'ValidationError', 'TimeoutError', 'WorkerExitedError', 'NotImplementedError']))
  })

  it.each(errorClasses)('%s can be built from a message alone', (name, ErrorClass) => {
    const error = new ErrorClass('boom')
    expect(error).toBeInstanceOf(ErrorClass)
    expect(error).toBeInstanceOf(ForkRpcError)
    expect(error.message).toBe('boom')
    expect(error.name).toBe(name)
    expect(error.code).toMatch(/^ERR_FORKRPC/)
    expect(error.procedure).toBeUndefined()
    expect(new ErrorClass().message.length).toBeGreaterThan(0)
  })

  it.each(errorClasses)('%s takes a cause and a procedure as options', (_name, ErrorClass) => {
    const cause = new Error('underneath')
    const error = new ErrorClass('boom', { cause, procedure: 'resize' })
    expect(error.cause).toBe(cause)
    expect(error.procedure).toBe('resize')
  })

  it('take their own fields as options, with defaults when left out', () => {
    expect(new core.StartupError('boom')).toMatchObject({ exitCode: null, signal: null, stderr: undefined, module: undefined })
    expect(new core.StartupError('boom', { module: '/w.js', exitCode: 1, stderr: 'FATAL' })).toMatchObject({ module: '/w.js', exitCode: 1, stderr: 'FATAL' })
    expect(new core.ValidationError('x')).toMatchObject({ direction: undefined, issues: [] })
    expect(new core.ValidationError('x', { direction: 'input', issues: [{ message: 'Expected a number', path: ['n'] }] })).toMatchObject({ direction: 'input', issues: [{ message: 'Expected a number', path: ['n'] }] })
    expect(new core.TimeoutError('x', { timeout: 5 })).toMatchObject({ timeout: 5 })
    expect(new core.WorkerExitedError('x', { signal: 'SIGKILL', pid: 7 })).toMatchObject({ exitCode: null, signal: 'SIGKILL', pid: 7 })
    expect(new core.PayloadTooLargeError('x', { role: 'chunk', bytes: 2, limit: 1 })).toMatchObject({ role: 'chunk', bytes: 2, limit: 1 })
    expect(new core.TooManyPendingCallsError('x', { limit: 3 })).toMatchObject({ limit: 3 })
    expect(new core.QueueFullError('x', { maxQueue: 4 })).toMatchObject({ maxQueue: 4 })
    expect(new core.PoolOverloadedError('x')).toMatchObject({ timeLeft: undefined, expectedWait: undefined, expectedRun: undefined, code: 'ERR_FORKRPC_POOL_OVERLOADED' })
    expect(new core.PoolOverloadedError('x', { timeLeft: 5, expectedWait: 6, expectedRun: 7 })).toMatchObject({ timeLeft: 5, expectedWait: 6, expectedRun: 7 })
    expect(new core.ContractMismatchError('x')).toMatchObject({ missing: [], unexpected: [] })
    expect(new testing.WorkersStillRunningError('x')).toMatchObject({ workers: [] })
  })

  it("come back as themselves across a channel when a test double throws them", async () => {
    const contract = core.defineContract({ start: core.procedure<void, void>() })
    const worker = testing.mockWorker(contract, {
      start: () => {
        throw new core.StartupError('boom', { module: '/w.js', exitCode: 3 })
      },
    })
    const error = await worker.call.start().catch((e: unknown) => e)
    expect(error).toBeInstanceOf(core.StartupError)
    expect(error).toMatchObject({ message: 'boom', module: '/w.js', exitCode: 3 })
    await worker.close()
  })
})
