/** maxMessageBytes and maxPending on a real fork: the options reach the client, and the worker lives on. */
import { describe, expect, it, vi } from 'vitest'
import { PayloadTooLargeError, SerializationError, TooManyPendingCallsError } from '@forkrpc/core'
import { limited } from '../../fixtures/limits.contract.js'
import { math } from '../../fixtures/math.contract.js'
import { forkFixture } from '../../helpers.js'

describe('limits on a forked worker', () => {
  it('rejects a too-large input and a too-large result with PayloadTooLargeError, and a call beyond maxPending at once', async () => {
    const worker = await forkFixture(math, 'math.worker.ts', { maxMessageBytes: 10_000, maxPending: 2 })
    await expect(worker.call.echo('x'.repeat(20_000))).rejects.toBeInstanceOf(PayloadTooLargeError)
    await expect(worker.call.echo('x'.repeat(100))).resolves.toHaveLength(100)
    const slow = [worker.call.slow(200), worker.call.slow(200)]
    await expect(worker.call.add({ a: 1, b: 2 })).rejects.toBeInstanceOf(TooManyPendingCallsError)
    await expect(Promise.all(slow)).resolves.toEqual(['slept 200', 'slept 200'])
    await expect(worker.call.add({ a: 1, b: 2 })).resolves.toBe(3)
  })

  it('refuses bad limit options with a TypeError before forking', async () => {
    await expect(forkFixture(math, 'math.worker.ts', { maxMessageBytes: 0 })).rejects.toThrow(TypeError)
    await expect(forkFixture(math, 'math.worker.ts', { maxPending: -1 })).rejects.toThrow(TypeError)
  })
})

describe('maxMessageBytes on every kind of message, over a real fork', () => {
  const tenKB = 'x'.repeat(10_000)

  it('with 1,000 bytes on both sides, no large chunk, event, notification or input chunk crosses, and the worker lives on', async () => {
    const worker = await forkFixture(limited, 'limits.worker.ts', { maxMessageBytes: 1_000, env: { ...process.env, FORKRPC_TEST_MAX_BYTES: '1000' } })
    const heard: number[] = []
    worker.on('progress', (text) => heard.push(text.length))
    // A stream handler yielding three 10 KB chunks: the parent receives none of them.
    const received: string[] = []
    const streamError = await (async () => {
      for await (const chunk of worker.call.chunks({ size: 10_000, count: 3 })) received.push(chunk)
    })().catch((e: unknown) => e)
    expect(received).toEqual([])
    expect(streamError).toMatchObject({ name: 'PayloadTooLargeError', role: 'chunk' })
    // ctx.emit of a 10 KB event throws in the handler; nothing reaches the parent.
    await expect(worker.call.emitBig(10_000)).resolves.toBe('PayloadTooLargeError')
    // A 10 KB notification and a 10 KB input chunk are refused before they leave the parent.
    expect(() => worker.notify('note', tenKB)).toThrow(PayloadTooLargeError)
    await expect(worker.call.upload(['a', tenKB])).rejects.toMatchObject({ name: 'PayloadTooLargeError', role: 'chunk' })
    // Small ones go through, and the worker saw no large one.
    worker.notify('note', 'small')
    await expect(worker.call.emitBig(5)).resolves.toBe('emitted')
    await expect(worker.call.upload(['a', 'bc'])).resolves.toBe(3)
    expect(await worker.call.seen()).toEqual({ notes: [5], stopped: 1 })
    expect(heard).toEqual([5])
  })

  it('with 1,000 bytes on the worker only, it refuses what the parent lets through: a large notification and input chunk', async () => {
    const worker = await forkFixture(limited, 'limits.worker.ts', { env: { ...process.env, FORKRPC_TEST_MAX_BYTES: '1000' } })
    worker.notify('note', tenKB)
    await expect(worker.call.upload(['a', tenKB])).rejects.toMatchObject({ name: 'PayloadTooLargeError', role: 'chunk', limit: 1_000 })
    worker.notify('note', 'small')
    expect(await worker.call.seen()).toEqual({ notes: [5], stopped: 0 })
  })

  it('with 1,000 bytes on the parent only, it refuses what the worker sends: a large chunk and a large event', async () => {
    const worker = await forkFixture(limited, 'limits.worker.ts', { maxMessageBytes: 1_000 })
    const heard: number[] = []
    worker.on('progress', (text) => heard.push(text.length))
    await expect(worker.call.chunks({ size: 10_000, count: 3 }).next()).rejects.toMatchObject({ name: 'PayloadTooLargeError', role: 'chunk', limit: 1_000 })
    await expect(worker.call.emitBig(10_000)).resolves.toBe('emitted')
    await expect(worker.call.emitBig(5)).resolves.toBe('emitted')
    await vi.waitFor(() => expect(heard).toEqual([5]))
    await vi.waitFor(async () => expect((await worker.call.seen()).stopped).toBe(1))
  })
})

describe('events and notifications that cannot be cloned, over a real fork', () => {
  it('on advanced, ctx.emit and notify throw SerializationError for a value nested too deeply, as on json, and the worker serves on', async () => {
    for (const serialization of ['json', 'advanced'] as const) {
      const worker = await forkFixture(limited, 'limits.worker.ts', { serialization })
      const heard: unknown[] = []
      worker.on('deep', (value) => heard.push(value))
      // The fork channel writes messages in batches: its serializer refused this one only then, and it was dropped unseen.
      await expect(worker.call.emitDeep(100_000)).resolves.toBe('SerializationError: Cannot send the payload of event "deep": it is nested too deeply to encode')
      let deep: unknown = 1
      for (let i = 0; i < 100_000; i++) deep = [deep]
      expect(() => worker.notify('deep', deep)).toThrow(SerializationError)
      expect(() => worker.notify('deep', deep)).toThrow('Cannot send the payload of notification "deep": it is nested too deeply to encode')
      await expect(worker.call.emitDeep(2)).resolves.toBe('emitted')
      await vi.waitFor(() => expect(heard).toEqual([[[1]]]))
      expect((await worker.call.seen()).notes).toEqual([])
    }
  })
})
