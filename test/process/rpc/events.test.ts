import { describe, expect, it } from 'vitest'
import { streams } from '../../fixtures/stream.contract.js'
import { forkFixture } from '../../helpers.js'

describe('events across a real process', () => {
  it('worker.on, worker.events and onProgress hear the events a handler emits', async () => {
    const worker = await forkFixture(streams, 'stream.worker.ts')
    const heard: number[] = []
    const stop = worker.on('progress', ({ pct }) => heard.push(pct))
    const iterated = worker.events('progress')
    const own: number[] = []
    expect(await worker.call.job(4, { onProgress: ({ pct }) => own.push(pct) })).toBe('done')
    expect(own).toEqual([25, 50, 75, 100])
    expect(heard).toEqual([25, 50, 75, 100])
    const first = [] as number[]
    for await (const { pct } of iterated) {
      first.push(pct)
      if (pct === 100) break
    }
    expect(first).toEqual([25, 50, 75, 100])
    stop()
  })

  it('an events() iterator ends when the worker is closed', async () => {
    const worker = await forkFixture(streams, 'stream.worker.ts')
    const iterated = worker.events('progress')
    const pending = iterated.next()
    await worker.close()
    expect(await pending).toEqual({ done: true, value: undefined })
  })
})
