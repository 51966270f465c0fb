import { describe, expect, it } from 'vitest'
import { SerializationError, WorkerExitedError } from '@forkrpc/core'
import { lifecycle } from '../../fixtures/lifecycle.contract.js'
import { forkFixture } from '../../helpers.js'

/** Counts what the parent writes to the child's IPC channel: messages and batches. */
function countWrites(process: { send: (...args: never[]) => boolean }) {
  const counts = { writes: 0, batches: 0, inBatches: 0 }
  const send = process.send.bind(process) as (...args: unknown[]) => boolean
  process.send = ((message: { t?: string; m?: unknown[] }, ...rest: unknown[]) => {
    counts.writes++
    if (message.t === 'b') {
      counts.batches++
      counts.inBatches += message.m?.length ?? 0
    }
    return send(message, ...rest)
  }) as never
  return counts
}

describe.each(['json', 'advanced'] as const)('coalescing on a real %s channel', (serialization) => {
  it('answers pipelined calls in the order they were made, in far fewer writes than calls', async () => {
    const worker = await forkFixture(lifecycle, 'lifecycle.worker.ts', { serialization })
    const counts = countWrites(worker.process)
    const settled: number[] = []
    const calls = Array.from({ length: 3_000 }, (_, i) => worker.call.echo({ i, when: i % 7 === 0 ? new Date(i) : i }).then((value) => settled.push((value as { i: number }).i)))
    await Promise.all(calls)
    expect(settled).toEqual(Array.from({ length: 3_000 }, (_, i) => i))
    expect(counts.batches).toBeGreaterThan(0)
    expect(counts.writes).toBeLessThan(3_000 / 10)
  })

  it('keeps large and small calls in order while the pipe is full', async () => {
    const worker = await forkFixture(lifecycle, 'lifecycle.worker.ts', { serialization })
    const big = 'x'.repeat(300_000) // past the 128 KiB at which send() returns false
    const settled: number[] = []
    const calls = Array.from({ length: 60 }, (_, i) => worker.call.echo(i % 10 === 0 ? { i, big } : { i }).then((value) => settled.push((value as { i: number }).i)))
    await Promise.all(calls)
    expect(settled).toEqual(Array.from({ length: 60 }, (_, i) => i))
  })

  it('rejects every queued and batched call when the child is killed, without crashing the parent', async () => {
    const worker = await forkFixture(lifecycle, 'lifecycle.worker.ts', { serialization, allowExit: true })
    const calls = Array.from({ length: 2_000 }, () => worker.call.hang().catch((error: unknown) => error))
    worker.process.kill('SIGKILL')
    const more = Array.from({ length: 500 }, () => worker.call.hang().catch((error: unknown) => error))
    const errors = await Promise.all([...calls, ...more])
    for (const error of errors) expect(error).toBeInstanceOf(WorkerExitedError)
  })
})

describe('a queued call that structured clone refuses (advanced)', () => {
  it('rejects with SerializationError naming where the culprit is, and the calls around it succeed', async () => {
    const worker = await forkFixture(lifecycle, 'lifecycle.worker.ts', { serialization: 'advanced' })
    // The first is written at once; the other three are queued and go as one batch,
    // which structured clone refuses because of the function.
    const results = await Promise.allSettled([
      worker.call.echo(1),
      worker.call.echo(2),
      worker.call.echo({ deep: { fn: () => 3 } }),
      worker.call.echo(4),
    ])
    expect(results.map((result) => result.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled'])
    const error = (results[2] as PromiseRejectedResult).reason as SerializationError
    expect(error).toBeInstanceOf(SerializationError)
    expect(error.message).toContain('deep.fn')
    expect(error.stack).toContain('batching.test.ts')
    await expect(worker.call.echo(5)).resolves.toBe(5)
  })
})
