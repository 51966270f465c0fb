/**
 * A pool call on its own: its deadline (queue time counts), its state (queued → running →
 * settled, running → queued once for a retry), and how it settles.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { TimeoutError } from '../../../packages/core/src/errors/call-errors.js'
import { QueueFullError } from '../../../packages/core/src/errors/pool-errors.js'
import { WorkerExitedError } from '../../../packages/core/src/errors/worker-errors.js'
import { joinCallerFrames } from '../../../packages/core/src/rpc/caller-stack.js'
import { LinePlace } from '../../../packages/core/src/rpc/line-place.js'
import { makeTask } from './pool-test-tasks.js'

describe('a pool task', () => {
  beforeEach(() => {
    vi.useFakeTimers()
  })
  afterEach(() => {
    vi.useRealTimers()
  })

  it('runs with what is left of its timeout, its signal and its onProgress', () => {
    const signal = new AbortController().signal
    const onProgress = (): void => undefined
    const { task } = makeTask('job', { timeout: 1_000, signal, onProgress })
    expect(task.state).toBe('queued')
    expect(task.deadline).toBe(Date.now() + 1_000)
    vi.advanceTimersByTime(300) // queue time counts
    expect(task.start()).toEqual({ signal, timeout: 700, onProgress, credit: undefined, place: expect.any(LinePlace) })
    expect(task.state).toBe('running')
    expect(task.attempts).toBe(1)
  })

  it('may be asked back once while it runs; taken back, it is queued again and the attempt does not count', () => {
    const { task } = makeTask('job')
    expect(task.movable).toBe(false) // queued: nothing to ask back
    const options = task.start()
    expect(task.movable).toBe(true)
    expect(task.askBack(1)).toBe(false) // not sent yet: the caller side has not attached it
    const send = vi.fn(() => true)
    options?.place?.attach(send)
    expect(task.askBack(2)).toBe(true)
    expect(task.withdrawnAt).toBe(2)
    expect(task.movable).toBe(false)
    expect(task.askBack(3)).toBe(false) // once
    expect(send).toHaveBeenCalledOnce()
    task.returned()
    expect(task.state).toBe('queued')
    expect(task.attempts).toBe(0)
    task.start()
    expect(task.withdrawnAt).toBeUndefined() // a new run, which may be asked back again
    expect(task.movable).toBe(true)
  })

  it('is not asked back once its handler has started after waiting in the line, and says when that was', () => {
    const { task } = makeTask('job')
    const options = task.start()
    options?.place?.attach(() => true)
    expect(task.startedAt).toBeUndefined()
    options?.place?.started(42)
    expect(task.startedAt).toBe(42)
    expect(task.movable).toBe(false)
    expect(task.askBack(50)).toBe(false)
  })

  it('is not movable when keyed (its key belongs to one worker)', () => {
    const { task } = makeTask('job', { key: 'tenant-1' })
    expect(task.start()?.place?.movable).toBe(false)
    expect(task.movable).toBe(false)
  })

  it('runs without a timeout (0) when it has none', () => {
    const { task } = makeTask('job')
    expect(task.deadline).toBeUndefined()
    expect(task.start()).toMatchObject({ timeout: 0 })
  })

  it('fails with its own TimeoutError instead of starting once its deadline has passed', () => {
    const { task, outcome } = makeTask('late', { timeout: 100 })
    vi.advanceTimersByTime(100)
    expect(task.start()).toBeUndefined()
    expect(task.state).toBe('settled')
    expect(outcome.error).toBeInstanceOf(TimeoutError)
    expect(outcome.error).toMatchObject({ procedure: 'late', timeout: 100 })
  })

  it('may be retried once, when an idempotent call lost its worker', () => {
    const exited = new WorkerExitedError('gone', { exitCode: null, signal: 'SIGKILL' })
    const { task } = makeTask('pid', { idempotent: true })
    task.start()
    expect(task.retriable(new Error('a handler error'))).toBe(false)
    expect(task.retriable(exited)).toBe(true)
    task.requeue()
    expect(task.state).toBe('queued')
    task.start()
    expect(task.attempts).toBe(2)
    expect(task.retriable(exited)).toBe(false)
    const plain = makeTask('sleep').task
    plain.start()
    expect(plain.retriable(exited)).toBe(false)
  })

  it("reports the call's own timeout when the worker ran out of the remainder", () => {
    const { task, outcome } = makeTask('wait', { timeout: 600 })
    vi.advanceTimersByTime(300)
    task.start()
    task.fail(new TimeoutError('ran out', { procedure: 'wait', timeout: 300 }))
    expect(outcome.error).toBeInstanceOf(TimeoutError)
    expect(outcome.error).toMatchObject({ procedure: 'wait', timeout: 600 })
  })

  it('fails with a handler error as it is', () => {
    const { task, outcome } = makeTask('job', { timeout: 600 })
    task.start()
    const error = new RangeError('bad input')
    task.fail(error)
    expect(outcome.error).toBe(error)
  })

  it('settles once', () => {
    const { task, outcome } = makeTask('job')
    task.start()
    task.resolve(42)
    task.fail(new Error('too late'))
    task.refuse(new QueueFullError('too late'))
    expect(outcome).toEqual({ settled: true, value: 42 })
    expect(task.state).toBe('settled')
  })

  it("marks the errors the pool makes for the caller's frames, which replace the pool's own", async () => {
    const { task, outcome } = makeTask('job')
    task.refuse(new QueueFullError('full'))
    async function awaitingCaller(): Promise<unknown> {
      await null
      return joinCallerFrames(outcome.error, awaitingCaller)
    }
    const error = (await awaitingCaller()) as Error
    expect(error.stack).toMatch(/^QueueFullError: full\n    at /)
    expect(error.stack).not.toContain('packages/core/src/pool')
  })

  it("knows its own cancellation: its timeout, or its signal's reason", () => {
    const controller = new AbortController()
    const { task } = makeTask('job', { signal: controller.signal })
    const reason = new Error('stop')
    expect(task.cancelledBy(reason)).toBe(false)
    controller.abort(reason)
    expect(task.cancelledBy(reason)).toBe(true)
    expect(task.cancelledBy(new TimeoutError('timed out'))).toBe(true)
    expect(task.cancelledBy(new Error('other'))).toBe(false)
  })
})
