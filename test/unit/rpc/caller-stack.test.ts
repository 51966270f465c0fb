/**
 * The caller's frames in a failed call's error: joined when the call fails (from V8's async
 * stack traces), so that nothing is recorded for the calls that succeed.
 */
import { describe, expect, it } from 'vitest'
import { defineContract, fork, procedure, stream } from '@forkrpc/core'
import { createClient, createRouter } from '@forkrpc/core/channel'
import { createMemoryChannelPair } from '@forkrpc/testing'
import { closeAfterTest, pairFor } from '../support.js'

const contract = defineContract({ fail: procedure<number, never>(), hang: procedure<void, never>(), lines: stream<void, string>() })
const handlers = {
  fail(n: number): never {
    throw new Error(`failure ${n}`)
  },
  hang: () => new Promise<never>(() => {}),
  async *lines() {
    yield 'first'
    throw new Error('the stream broke')
  },
}

describe("the caller's frames in a failed call's error", () => {
  it("follow the handler's frames and the line that marks the crossing", async () => {
    const pair = pairFor(contract, handlers)
    async function businessLogic(): Promise<never> {
      return await pair.call.fail(1)
    }
    const error = (await businessLogic().catch((e: unknown) => e)) as Error
    const stack = error.stack ?? ''
    expect(stack).toMatch(/^Error: failure 1\n/)
    const handler = stack.indexOf('at Object.fail') >= 0 ? stack.indexOf('at Object.fail') : stack.indexOf('fail')
    const crossing = stack.indexOf('at <forkrpc call "fail" from the parent>')
    const caller = stack.search(/at (async )?businessLogic/)
    expect(handler).toBeGreaterThan(0)
    expect(crossing).toBeGreaterThan(handler)
    expect(caller).toBeGreaterThan(crossing)
  })

  it('are there for every failed call, however many are in flight (nothing is recorded while they run)', async () => {
    const pair = pairFor(contract, handlers)
    async function oneOfMany(n: number): Promise<Error> {
      try {
        return await pair.call.fail(n)
      } catch (error) {
        return error as Error
      }
    }
    const errors = await Promise.all(Array.from({ length: 40 }, (_, n) => oneOfMany(n)))
    for (const error of errors) expect(error.stack).toMatch(/at (async )?oneOfMany/)
  })

  it("replace the timer's frames of an error made on this side (a timeout)", async () => {
    const pair = pairFor(contract, handlers)
    async function waitsTooLong(): Promise<never> {
      return await pair.call.hang(undefined, { timeout: 10 })
    }
    const error = (await waitsTooLong().catch((e: unknown) => e)) as Error
    expect(error.name).toBe('TimeoutError')
    expect(error.stack).toMatch(/^TimeoutError: Call "hang" timed out after 10 ms\n/)
    expect(error.stack).toMatch(/at (async )?waitsTooLong/)
    expect(error.stack).not.toContain('node:internal')
  })

  it('reach the code consuming a stream', async () => {
    const pair = pairFor(contract, handlers)
    async function consume(): Promise<string[]> {
      const read: string[] = []
      for await (const line of pair.call.lines()) read.push(line)
      return read
    }
    const error = (await consume().catch((e: unknown) => e)) as Error
    expect(error.message).toBe('the stream broke')
    expect(error.stack).toContain('at <forkrpc call "lines" from the parent>')
    expect(error.stack).toMatch(/at (async )?consume/)
  })

  it("leave an AbortSignal's reason as it is", async () => {
    const pair = pairFor(contract, handlers)
    const reason = new Error('stopped by the caller')
    const stackBefore = reason.stack
    const controller = new AbortController()
    const call = pair.call.hang(undefined, { signal: controller.signal })
    controller.abort(reason)
    await expect(call).rejects.toBe(reason)
    expect(reason.stack).toBe(stackBefore)
  })
})

describe('callerStacks: false', () => {
  it("leaves the caller's frames out, and the error still names the call", async () => {
    const { parent, child } = createMemoryChannelPair('json')
    closeAfterTest(parent)
    createRouter(contract, handlers, child)
    const client = createClient(contract, parent, { callerStacks: false })
    async function callerWithoutStacks(): Promise<Error> {
      try {
        return await client.call.fail(1)
      } catch (error) {
        return error as Error
      }
    }
    const error = await callerWithoutStacks()
    expect(error.message).toBe('failure 1')
    expect(error.stack).toContain('at <forkrpc call "fail" from the parent>')
    expect(error.stack).not.toMatch(/at (async )?callerWithoutStacks/)
  })

  it('must be a boolean', async () => {
    const { parent } = createMemoryChannelPair('json')
    closeAfterTest(parent)
    expect(() => createClient(contract, parent, { callerStacks: 'no' as never })).toThrow(/callerStacks must be a boolean/)
    await expect(fork(contract, 'missing.worker.js', { callerStacks: 1 as never })).rejects.toThrow(/callerStacks must be a boolean/)
  })
})
