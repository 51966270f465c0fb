/**
 * The producer's credit never passes its window, whatever the consumer grants: a forged grant
 * (`k` to a stream handler, `ki` to an input stream's caller) of a huge count made the
 * producer pull an iterable that never waits into one batch without yielding to the event
 * loop, until V8 gave up ("invalid size error") and the process died: a hostile worker's
 * few bytes crashed the parent.
 */
import { describe, expect, it, vi } from 'vitest'
import { defineContract, inputStream, stream } from '@forkrpc/core'
import { PROTOCOL_VERSION } from '@forkrpc/core/channel'
import { ChunkProducer } from '../../../packages/core/src/rpc/chunk-producer.js'
import { deferred, pairFor } from '../support.js'

/** An iterable that never waits, counting what is pulled from it; it ends after `limit` chunks. */
function counted(limit: number): { iterable: AsyncIterable<number>; pulled(): number } {
  let pulled = 0
  async function* chunks(): AsyncGenerator<number> {
    while (pulled < limit) yield pulled++
  }
  return { iterable: chunks(), pulled: () => pulled }
}

describe('ChunkProducer', () => {
  it('caps a grant at its window: an over-grant buys no more than the window', async () => {
    const controller = new AbortController()
    const producer = new ChunkProducer(4, controller.signal)
    const batches: number[] = []
    const source = counted(100_000)
    const running = producer.run(source.iterable, (chunks) => batches.push(chunks.length))
    await new Promise((resolve) => setImmediate(resolve))
    expect(source.pulled()).toBe(4) // the window, then it waits for credit
    producer.grant(1e12)
    await new Promise((resolve) => setImmediate(resolve))
    expect(source.pulled()).toBe(8)
    expect(Math.max(...batches)).toBeLessThanOrEqual(4)
    controller.abort()
    await running
  })

  it('still takes honest grants up to the window', async () => {
    const controller = new AbortController()
    const producer = new ChunkProducer(4, controller.signal)
    const source = counted(100_000)
    const running = producer.run(source.iterable, () => undefined)
    await new Promise((resolve) => setImmediate(resolve))
    producer.grant(2)
    await new Promise((resolve) => setImmediate(resolve))
    expect(source.pulled()).toBe(6)
    controller.abort()
    await running
  })
})

/**
 * With a window of 2 and a consumer that took one chunk: waits for the producer to settle at
 * 3 pulled (the window, plus one for the honest grant of the chunk taken), forges a grant,
 * and checks that it bought exactly one window more. Waiting on the counts rather than a
 * fixed time: an honest grant still on its way when a fixed wait ended counted as bought by
 * the forged one ("3 pulled, at most 2 expected" on a loaded machine).
 */
async function forgedGrantBuysOneWindow(pulled: () => number, forge: () => void): Promise<void> {
  await vi.waitFor(() => expect(pulled()).toBe(3), { timeout: 10_000 })
  forge()
  // Uncapped, the producer pulls the iterable (which never waits) in one go without yielding
  // to the event loop, so the first look already sees far more than 5.
  await vi.waitFor(() => expect(pulled()).toBeGreaterThanOrEqual(5), { timeout: 10_000 })
  expect(pulled()).toBe(5)
  await new Promise((resolve) => setTimeout(resolve, 20))
  expect(pulled()).toBe(5)
}

describe('a forged credit grant over a real pair', () => {
  const contract = defineContract({
    sink: inputStream<number, number>({ credit: 2 }),
    ticks: stream<void, number>({ credit: 2 }),
  })

  it('from the worker (ki): the caller pulls no more than the window from its iterable', async () => {
    const started = deferred()
    const pair = pairFor(contract, {
      async sink(chunks) {
        started.resolve()
        for await (const _ of chunks) await new Promise(() => undefined) // takes one chunk, then never reads again
        return 0
      },
      async *ticks() {},
    })
    const source = counted(1_000_000)
    const call = pair.call.sink(source.iterable)
    await started.promise
    await forgedGrantBuysOneWindow(source.pulled, () => pair.faults.inject('parent', { $fr: PROTOCOL_VERSION, t: 'ki', i: '1', g: 1e12 }))
    await pair.close()
    await call.catch(() => undefined)
  })

  it('from the parent (k): the stream handler pulls no more than the window from its generator', async () => {
    const source = counted(1_000_000)
    const pair = pairFor(contract, {
      async sink() {
        return 0
      },
      ticks: () => source.iterable,
    })
    const iterator = pair.call.ticks()[Symbol.asyncIterator]()
    await iterator.next() // the request is sent; the consumer then stops taking chunks
    await forgedGrantBuysOneWindow(source.pulled, () => pair.faults.inject('child', { $fr: PROTOCOL_VERSION, t: 'k', i: '1', g: 1e12 }))
    await pair.close()
  })
})
