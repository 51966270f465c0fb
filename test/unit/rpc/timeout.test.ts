import { setTimeout as delay } from 'node:timers/promises'
import { describe, expect, it } from 'vitest'
import { createMemoryChannelPair, createTestPair } from '@forkrpc/testing'
import { defineContract, procedure, TimeoutError, type HandlerContext } from '@forkrpc/core'
import { createRouter, PROTOCOL_VERSION } from '@forkrpc/core/channel'
import { closeAfterTest, deferred, pairFor, recorder } from '../support.js'

const contract = defineContract({
  /** Never settles. */
  hang: procedure(),
  /** Never settles; has its own timeout. */
  hangWithTimeout: procedure({ timeout: 30 }),
  /** Never settles; its timeout 0 means none. */
  hangNoTimeout: procedure({ timeout: 0 }),
  /** Resolves after `ms`. */
  wait: procedure<number, string>(),
  /** Resolves once the test lets it. */
  held: procedure<void, string>(),
  add: procedure<{ a: number; b: number }, number>(),
})

function makeHandlers(overrides: Partial<{ hang: (input: void, ctx: HandlerContext) => Promise<void>; held: () => Promise<string> }> = {}) {
  const never = () => new Promise<never>(() => {})
  return {
    hang: never,
    hangWithTimeout: never,
    hangNoTimeout: never,
    wait: async (ms: number) => {
      await delay(ms)
      return `waited ${ms}`
    },
    held: async () => 'held',
    add: ({ a, b }: { a: number; b: number }) => a + b,
    ...overrides,
  }
}

async function timeoutOf(call: Promise<unknown>): Promise<TimeoutError> {
  const error = await call.then(
    () => {
      throw new Error('the call resolved; it should have timed out')
    },
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(TimeoutError)
  return error as TimeoutError
}

describe('timeouts', () => {
  it('reject with TimeoutError carrying procedure, timeout and code', async () => {
    const pair = pairFor(contract, makeHandlers())
    const error = await timeoutOf(pair.call.hang(undefined, { timeout: 20 }))
    expect(error.procedure).toBe('hang')
    expect(error.timeout).toBe(20)
    expect(error.code).toBe('ERR_FORKRPC_TIMEOUT')
    expect(error.name).toBe('TimeoutError')
    expect(error.message).toContain('hang')
  })

  it("carry the caller's frames in their stack", async () => {
    const pair = pairFor(contract, makeHandlers())
    const error = await timeoutOf(pair.call.hang(undefined, { timeout: 20 }))
    expect(error.stack).toMatch(/^TimeoutError: /)
    expect(error.stack).toContain('timeout.test.ts')
  })

  it("use the pair's default when nothing else is set", async () => {
    const pair = pairFor(contract, makeHandlers(), { timeout: 20 })
    expect((await timeoutOf(pair.call.hang())).timeout).toBe(20)
  })

  it("use the procedure's timeout over the pair's default", async () => {
    const pair = pairFor(contract, makeHandlers(), { timeout: 20 })
    const error = await timeoutOf(pair.call.hangWithTimeout())
    expect(error.timeout).toBe(30)
    expect(error.procedure).toBe('hangWithTimeout')
  })

  it("use the call's timeout over the procedure's (longer or shorter)", async () => {
    const pair = pairFor(contract, makeHandlers(), { timeout: 20 })
    expect((await timeoutOf(pair.call.hangWithTimeout(undefined, { timeout: 40 }))).timeout).toBe(40)
    expect((await timeoutOf(pair.call.hangWithTimeout(undefined, { timeout: 15 }))).timeout).toBe(15)
  })

  it("use the call's timeout over the pair's default", async () => {
    const pair = pairFor(contract, makeHandlers(), { timeout: 15 })
    expect((await timeoutOf(pair.call.hang(undefined, { timeout: 25 }))).timeout).toBe(25)
  })

  it("abort the handler's ctx.signal with a TimeoutError", async () => {
    const observed = deferred<unknown>()
    const pair = pairFor(
      contract,
      makeHandlers({
        hang: (_input, { signal }) => {
          signal.addEventListener('abort', () => observed.resolve(signal.reason), { once: true })
          return new Promise<never>(() => {})
        },
      }),
    )
    await timeoutOf(pair.call.hang(undefined, { timeout: 20 }))
    const reason = (await observed.promise) as TimeoutError
    expect(reason).toBeInstanceOf(TimeoutError)
    expect(reason.procedure).toBe('hang')
    expect(reason.timeout).toBe(20)
  })

  it('drop the late result of a timed-out handler and keep the pair working', async () => {
    const release = deferred<string>()
    const started = deferred()
    const pair = pairFor(
      contract,
      makeHandlers({
        held: () => {
          started.resolve()
          return release.promise
        },
      }),
    )
    const call = pair.call.held(undefined, { timeout: 20 })
    await started.promise
    await timeoutOf(call)
    release.resolve('too late')
    await expect(pair.call.add({ a: 1, b: 1 })).resolves.toBe(2)
    expect(pair.inFlight).toBe(0)
  })
})

describe('no timeout', () => {
  it.each([0, Infinity])("a call's timeout of %s means none, even with a pair default", async (timeout) => {
    const pair = pairFor(contract, makeHandlers(), { timeout: 10 })
    await expect(pair.call.wait(60, { timeout })).resolves.toBe('waited 60')
  })

  it.each([0, Infinity])('a pair default of %s means none', async (timeout) => {
    const pair = pairFor(contract, makeHandlers(), { timeout })
    await expect(pair.call.wait(40)).resolves.toBe('waited 40')
  })

  it("a procedure's timeout of 0 means none, even with a pair default", async () => {
    const release = deferred<string>()
    const pair = pairFor(contract, { ...makeHandlers(), hangNoTimeout: () => release.promise.then(() => undefined) }, { timeout: 10 })
    const outcome = pair.call.hangNoTimeout().then(
      (value) => ({ value }),
      (error: unknown) => ({ error }),
    )
    await delay(50)
    release.resolve('go')
    expect(await outcome).toEqual({ value: undefined })
  })

  it.each([2 ** 31, 3e9])('a timeout of %s ms (beyond setTimeout\'s 32-bit limit) does not fire at once', async (timeout) => {
    const pair = pairFor(contract, makeHandlers())
    await expect(pair.call.wait(30, { timeout })).resolves.toBe('waited 30')
  })

  it('a procedure with no timeout and no default never times out on its own', async () => {
    const pair = pairFor(contract, makeHandlers())
    await expect(pair.call.wait(40)).resolves.toBe('waited 40')
  })
})

describe('invalid timeouts', () => {
  it.each([-1, Number.NaN])('createTestPair rejects a default timeout of %s', (timeout) => {
    expect(() => createTestPair(contract, makeHandlers(), { timeout })).toThrow(TypeError)
  })

  it.each([-5, Number.NaN])('a call rejects a timeout of %s', async (timeout) => {
    const pair = pairFor(contract, makeHandlers())
    await expect(pair.call.add({ a: 1, b: 2 }, { timeout })).rejects.toThrow(TypeError)
  })
})

describe('the deadline travels with the call', () => {
  const timed = defineContract({ waitForAbort: procedure<void, { deadline: number | undefined; reason: string }>() })
  const handlers = {
    waitForAbort: (_input: void, ctx: HandlerContext) =>
      new Promise<{ deadline: number | undefined; reason: string }>((resolve) => {
        ctx.signal.addEventListener('abort', () => resolve({ deadline: ctx.deadline, reason: (ctx.signal.reason as Error).name }))
      }),
  }

  it("aborts the handler's signal with TimeoutError when it passes, even when no cancel arrives", async () => {
    const { parent, child } = createMemoryChannelPair('json')
    closeAfterTest(parent)
    createRouter(timed, handlers, child)
    const replies = recorder(parent)
    const sentAt = Date.now()
    parent.send({ $fr: PROTOCOL_VERSION, t: 'q', i: 'd1', m: 'waitForAbort', dl: 50 }) // a raw request: nobody will cancel it
    const reply = await replies.reply('d1')
    expect(reply).toMatchObject({ t: 'r', v: { reason: 'TimeoutError' } })
    const deadline = (reply.v as { deadline: number }).deadline
    expect(deadline).toBeGreaterThanOrEqual(sentAt + 50)
    expect(deadline).toBeLessThan(sentAt + 1_000)
  })

  it('is the remaining time of the caller’s timeout, as ctx.deadline; a call without a timeout has none', async () => {
    const pair = pairFor(defineContract({ deadline: procedure<void, number | null>() }), { deadline: (_input, ctx) => ctx.deadline ?? null })
    const before = Date.now()
    const deadline = await pair.call.deadline(undefined, { timeout: 5_000 })
    expect(deadline).toBeGreaterThanOrEqual(before + 5_000 - 50)
    expect(deadline).toBeLessThanOrEqual(Date.now() + 5_000)
    expect(await pair.call.deadline()).toBeNull()
  })
})
