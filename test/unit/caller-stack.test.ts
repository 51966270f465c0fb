import { describe, expect, it } from 'vitest'
import { defineContract, procedure } from '@forkrpc/core'
import { pairFor } from './support.js'

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
