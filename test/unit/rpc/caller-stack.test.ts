import { describe, expect, it } from 'vitest'
import { defineContract, fork, procedure } from '@forkrpc/core'
import { createClient, createRouter } from '@forkrpc/core/channel'
import { createMemoryChannelPair } from '@forkrpc/testing'
import { closeAfterTest, pairFor } from '../support.js'

const contract = defineContract({ fail: procedure<number, never>() })

describe("the caller's stack on a failed call", () => {
  it('is recorded while few calls are in flight; beyond that the error still names the call', async () => {
    const pair = pairFor(contract, {
      fail: (n) => {
        throw new Error(`failure ${n}`)
      },
    })
    async function callerWithManyCallsInFlight(): Promise<Error[]> {
      const calls = Array.from({ length: 40 }, (_, n) => pair.call.fail(n).catch((error: unknown) => error as Error))
      return Promise.all(calls)
    }
    const errors = await callerWithManyCallsInFlight()
    const withFrames = errors.filter((error) => error.stack?.includes('callerWithManyCallsInFlight'))
    // The first calls, made while fewer than 16 were in flight, carry the caller's frames.
    expect(withFrames.length).toBeGreaterThan(0)
    expect(withFrames.length).toBeLessThan(40)
    expect(errors[0]?.stack).toContain('callerWithManyCallsInFlight')
    for (const error of errors) expect(error.stack).toContain('at <forkrpc call "fail" from the parent>')
    expect(errors[39]?.stack).not.toContain('callerWithManyCallsInFlight')
  })
})

describe('callerStacks: false', () => {
  it("leaves the caller's frames out, and the error still names the call", async () => {
    const { parent, child } = createMemoryChannelPair('json')
    closeAfterTest(parent)
    createRouter(contract, { fail: (n) => Promise.reject(new Error(`failure ${n}`)) }, child)
    const client = createClient(contract, parent, { callerStacks: false })
    async function callerWithoutStacks(): Promise<Error> {
      return client.call.fail(1).catch((error: unknown) => error as Error)
    }
    const error = await callerWithoutStacks()
    expect(error.message).toBe('failure 1')
    expect(error.stack).toContain('at <forkrpc call "fail" from the parent>')
    expect(error.stack).not.toContain('callerWithoutStacks')
  })

  it('must be a boolean', async () => {
    const { parent } = createMemoryChannelPair('json')
    closeAfterTest(parent)
    expect(() => createClient(contract, parent, { callerStacks: 'no' as never })).toThrow(/callerStacks must be a boolean/)
    await expect(fork(contract, 'missing.worker.js', { callerStacks: 1 as never })).rejects.toThrow(/callerStacks must be a boolean/)
  })
})
