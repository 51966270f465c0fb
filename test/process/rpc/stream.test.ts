import { readFileSync } from 'node:fs'
import { setTimeout as delay } from 'node:timers/promises'
import { describe, expect, it } from 'vitest'
import { WorkerExitedError } from '@forkrpc/core'
import { ParseError, streams } from '../../fixtures/stream.contract.js'
import { forkFixture } from '../../helpers.js'

/** The resident memory of a process, in MiB, from /proc. */
function rssMiB(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
  if (match === null) throw new Error(`no VmRSS for pid ${pid}`)
  return Number(match[1]) / 1024
}

describe('streams across a real process', () => {
  it("a stream of 1,000,000 chunks to a slow consumer keeps the child's memory bounded", async () => {
    const worker = await forkFixture(streams, 'stream.worker.ts')
    let received = 0
    let baseline = 0
    let peak = 0
    for await (const chunk of worker.call.numbers({ count: 1_000_000 })) {
      if (chunk !== received) throw new Error(`chunk ${chunk} arrived as number ${received}`)
      received++
      if (received === 20_000) baseline = rssMiB(worker.pid)
      if (received % 100_000 === 0) {
        // The consumer stalls; a producer without flow control would keep queueing meanwhile.
        await delay(50)
        peak = Math.max(peak, rssMiB(worker.pid))
      }
    }
    expect(received).toBe(1_000_000)
    // Measured here: under 2 MiB of growth (64 chunks of credit). Without flow control the
    // child queues every chunk it has produced: tens of MiB by the first stall.
    expect(peak - baseline).toBeLessThan(32)
  })

  it("breaking out of the loop stops the child's generator and runs its finally", async () => {
    const worker = await forkFixture(streams, 'stream.worker.ts')
    const stopped = worker.events('stopped')
    let taken = 0
    for await (const chunk of worker.call.numbers({})) {
      expect(chunk).toBe(taken)
      if (++taken === 1_000) break
    }
    const { value } = await stopped.next()
    expect(value?.reason).toBe('AbortError')
    // The child produced what was taken plus at most the credit window (64) it had left.
    expect(value?.produced).toBeGreaterThanOrEqual(1_000)
    expect(value?.produced).toBeLessThanOrEqual(1_000 + 64)
    expect(await worker.call.ping()).toBe('pong')
  })

  it("an AbortSignal stops the child's generator too", async () => {
    const worker = await forkFixture(streams, 'stream.worker.ts')
    const stopped = worker.events('stopped')
    const controller = new AbortController()
    const error = await (async () => {
      let taken = 0
      for await (const _ of worker.call.numbers({}, { signal: controller.signal })) if (++taken === 10) controller.abort(new Error('enough'))
    })().catch((e: unknown) => e)
    expect((error as Error).message).toBe('enough')
    expect((await stopped.next()).value?.reason).toBe('AbortError')
  })

  it('an error thrown mid-stream reaches the consumer as its own class, after the chunks before it', async () => {
    const worker = await forkFixture(streams, 'stream.worker.ts')
    const lines: string[] = []
    const error = await (async () => {
      for await (const line of worker.call.failing(3)) lines.push(line)
    })().catch((e: unknown) => e)
    expect(lines).toEqual(['line 0', 'line 1', 'line 2'])
    expect(error).toBeInstanceOf(ParseError)
    expect((error as ParseError).line).toBe(3)
  })

  it('a child that dies mid-stream ends the iteration with WorkerExitedError', async () => {
    const worker = await forkFixture(streams, 'stream.worker.ts', { allowExit: true })
    const iterator = worker.call.dies(7)
    expect(await iterator.next()).toEqual({ done: false, value: 'first' })
    const error = await iterator.next().catch((e: unknown) => e)
    expect(error).toBeInstanceOf(WorkerExitedError)
    expect((error as WorkerExitedError).exitCode).toBe(7)
    expect(await iterator.next()).toEqual({ done: true, value: undefined })
  })
})
