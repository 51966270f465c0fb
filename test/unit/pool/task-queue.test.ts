/**
 * The pool's queue, without a pool or a worker: FIFO order (a retry first), maxQueue, and
 * queued calls that leave on their own timeout or AbortSignal.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { TimeoutError } from '../../../packages/core/src/errors/call-errors.js'
import { ChannelClosedError } from '../../../packages/core/src/errors/worker-errors.js'
import { TaskQueue } from '../../../packages/core/src/pool/task-queue.js'
import { makeTask } from './pool-test-tasks.js'

const names = (queue: TaskQueue): string[] => {
  const taken: string[] = []
  for (let task = queue.shift(); task !== undefined; task = queue.shift()) taken.push(task.name)
  return taken
}

describe('the pool queue', () => {
  beforeEach(() => {
    vi.useFakeTimers()
  })
  afterEach(() => {
    vi.useRealTimers()
  })

  it('hands tasks out first in, first out, and counts them', () => {
    const queue = new TaskQueue(Infinity)
    for (const name of ['a', 'b', 'c']) queue.push(makeTask(name).task)
    expect(queue.size).toBe(3)
    expect(queue.shift()?.name).toBe('a')
    expect(queue.size).toBe(2)
    queue.push(makeTask('d').task)
    expect(names(queue)).toEqual(['b', 'c', 'd'])
    expect(queue.size).toBe(0)
    expect(queue.shift()).toBeUndefined()
  })

  it('puts a retried task before the tasks that came after it', () => {
    const queue = new TaskQueue(Infinity)
    queue.push(makeTask('a').task)
    queue.push(makeTask('b').task)
    const retried = makeTask('retried').task
    queue.shift() // 'a' goes to a worker
    queue.pushFront(retried)
    expect(names(queue)).toEqual(['retried', 'b'])
    // Also when nothing was taken yet (no spent slot at the head).
    queue.push(makeTask('c').task)
    queue.pushFront(makeTask('first').task)
    expect(names(queue)).toEqual(['first', 'c'])
  })

  it('keeps the order across the compaction of thousands of spent slots', () => {
    const queue = new TaskQueue(Infinity)
    for (let i = 0; i < 3_000; i++) queue.push(makeTask(`t${i}`).task)
    for (let i = 0; i < 2_000; i++) expect(queue.shift()?.name).toBe(`t${i}`)
    for (let i = 3_000; i < 3_500; i++) queue.push(makeTask(`t${i}`).task)
    const rest = names(queue)
    expect(rest).toHaveLength(1_500)
    expect(rest[0]).toBe('t2000')
    expect(rest.at(-1)).toBe('t3499')
    expect(rest.every((name, i) => name === `t${2_000 + i}`)).toBe(true)
  })

  it('fails a queued task with TimeoutError when its own timeout runs out, and drops it from the queue', () => {
    const dropped = vi.fn()
    const queue = new TaskQueue(Infinity, dropped)
    const early = makeTask('early', { timeout: 100 })
    const patient = makeTask('patient', { timeout: 1_000 })
    queue.push(early.task)
    queue.push(patient.task)
    vi.advanceTimersByTime(99)
    expect(early.outcome.settled).toBe(false)
    vi.advanceTimersByTime(1)
    expect(early.outcome.error).toBeInstanceOf(TimeoutError)
    expect(early.outcome.error).toMatchObject({ procedure: 'early', timeout: 100 })
    expect(early.task.state).toBe('settled')
    expect(dropped).toHaveBeenCalledTimes(1)
    expect(queue.size).toBe(1)
    // The dropped task is skipped; the other one is still there, still waiting.
    expect(patient.outcome.settled).toBe(false)
    expect(names(queue)).toEqual(['patient'])
  })

  it("fails a queued task with its signal's reason when the signal aborts", () => {
    const queue = new TaskQueue(Infinity)
    const controller = new AbortController()
    const aborted = makeTask('aborted', { signal: controller.signal })
    queue.push(makeTask('before').task)
    queue.push(aborted.task)
    queue.push(makeTask('after').task)
    const reason = new Error('the user went away')
    controller.abort(reason)
    expect(aborted.outcome.error).toBe(reason)
    expect(queue.size).toBe(2)
    expect(names(queue)).toEqual(['before', 'after'])
  })

  it("stops watching a task once it leaves the queue: its timeout and signal are then the worker call's", () => {
    const queue = new TaskQueue(Infinity)
    const controller = new AbortController()
    const { task, outcome } = makeTask('taken', { timeout: 100, signal: controller.signal })
    queue.push(task)
    expect(queue.shift()).toBe(task)
    vi.advanceTimersByTime(500)
    controller.abort(new Error('late'))
    expect(outcome.settled).toBe(false)
    expect(task.state).toBe('queued')
    expect(queue.size).toBe(0)
  })

  it('admits calls up to maxQueue beyond what coming workers will take', () => {
    const queue = new TaskQueue(1)
    expect(queue.admits(0)).toBe(true)
    queue.push(makeTask('a').task)
    expect(queue.admits(0)).toBe(false)
    // Two calls' worth of workers are starting: two more may wait.
    expect(queue.admits(2)).toBe(true)
    queue.push(makeTask('b').task)
    queue.push(makeTask('c').task)
    expect(queue.admits(2)).toBe(false)
    expect(new TaskQueue(0).admits(0)).toBe(false)
  })

  it('fails what it holds once closed, and every task pushed later', () => {
    const dropped = vi.fn()
    const queue = new TaskQueue(Infinity, dropped)
    const waiting = makeTask('waiting', { timeout: 100 })
    queue.push(waiting.task)
    queue.close((task) => new ChannelClosedError(`closed before "${task.name}"`, { procedure: task.name }))
    expect(waiting.outcome.error).toBeInstanceOf(ChannelClosedError)
    expect(waiting.outcome.error).toMatchObject({ procedure: 'waiting', message: 'closed before "waiting"' })
    expect(dropped).toHaveBeenCalledTimes(1)
    expect(queue.open).toBe(false)
    const late = makeTask('late')
    queue.pushFront(late.task)
    expect(late.outcome.error).toMatchObject({ name: 'ChannelClosedError', procedure: 'late' })
    expect(queue.size).toBe(0)
    // Its timer was cleared: no second settlement, no late drop.
    vi.advanceTimersByTime(200)
    expect(dropped).toHaveBeenCalledTimes(1)
  })
})
