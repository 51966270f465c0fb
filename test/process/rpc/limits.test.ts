/** maxMessageBytes and maxPending on a real fork: the options reach the client, and the worker lives on. */
import { describe, expect, it } from 'vitest'
import { PayloadTooLargeError, TooManyPendingCallsError } from '@forkrpc/core'
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
