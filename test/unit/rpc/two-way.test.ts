import { describe, expect, expectTypeOf, it, vi } from 'vitest'
import { AbortError, defineContract, fork, procedure, spawnThread, TimeoutError, type HandlerContext } from '@forkrpc/core'
import { createClient } from '@forkrpc/core/channel'
import { createMemoryChannelPair, createTestPair } from '@forkrpc/testing'
import { deferred, pairFor } from '../support.js'

class MissingKeyError extends Error {
  override name = 'MissingKeyError'
  constructor(readonly key: string) {
    super(`no config key "${key}"`)
  }
}

const app = defineContract(
  {
    connect: procedure<string, string>(),
    slowConfig: procedure<void, string>(),
    cancellable: procedure<void, string>(),
  },
  {
    errors: [MissingKeyError],
    host: {
      getConfig: procedure<string, string>(),
      hang: procedure<void, never>({ timeout: 50 }),
      log: procedure<{ level: 'info' | 'warn'; text: string }, void>(),
    },
  },
)

type Ctx = HandlerContext<typeof app.events, typeof app.host>

const config: Record<string, string> = { dsn: 'postgres://db/app', region: 'eu' }

function setup() {
  const logged: string[] = []
  const hostAborted = deferred<unknown>()
  const pair = pairFor(
    app,
    {
      async connect(key: string, ctx: Ctx) {
        expectTypeOf(ctx.host.getConfig).returns.toEqualTypeOf<Promise<string>>()
        try {
          const value = await ctx.host.getConfig(key)
          await ctx.host.log({ level: 'info', text: `connecting to ${value}` })
          return `connected to ${value}`
        } catch (error) {
          if (error instanceof MissingKeyError) return `missing: ${error.key}`
          throw error
        }
      },
      async slowConfig(_input: void, ctx: Ctx) {
        const error = await ctx.host.hang().catch((e: unknown) => e)
        return error instanceof TimeoutError ? `timed out after ${error.timeout} ms` : `unexpected: ${String(error)}`
      },
      async cancellable(_input: void, ctx: Ctx) {
        return ctx.host.hang(undefined, { signal: ctx.signal, timeout: 0 })
      },
    },
    {
      host: {
        getConfig: (key) => {
          const value = config[key]
          if (value === undefined) throw new MissingKeyError(key)
          return value
        },
        hang: (_input, { signal }) => {
          signal.addEventListener('abort', () => hostAborted.resolve(signal.reason), { once: true })
          return new Promise<never>(() => {})
        },
        log: ({ level, text }) => {
          logged.push(`[${level}] ${text}`)
        },
      },
    },
  )
  return { pair, logged, hostAborted: hostAborted.promise }
}

describe('two-way calls: the child calls procedures the parent serves', () => {
  it('a handler calls the parent through ctx.host and gets a typed result', async () => {
    const { pair, logged } = setup()
    expect(await pair.call.connect('dsn')).toBe('connected to postgres://db/app')
    expect(logged).toEqual(['[info] connecting to postgres://db/app'])
  })

  it("errors thrown by the parent's handler reach the child as their own class", async () => {
    const { pair } = setup()
    expect(await pair.call.connect('nope')).toBe('missing: nope')
  })

  it("host procedures honour their timeout, and the parent's handler sees its signal abort", async () => {
    const { pair, hostAborted } = setup()
    expect(await pair.call.slowConfig()).toBe('timed out after 50 ms')
    expect(await hostAborted).toBeInstanceOf(TimeoutError)
  })

  it("cancelling the parent's call cancels the host call the handler made with ctx.signal", async () => {
    const { pair, hostAborted } = setup()
    const controller = new AbortController()
    const call = pair.call.cancellable(undefined, { signal: controller.signal })
    setTimeout(() => controller.abort(new Error('user stop')), 20)
    await expect(call).rejects.toThrow('user stop')
    expect(await hostAborted).toBeInstanceOf(AbortError)
  })

  it('a client of a contract with host procedures needs their handlers', () => {
    expect(() => createClient(app, createMemoryChannelPair().parent)).toThrow(/declares host procedures .*pass their handlers as options.host/)
  })

  it('createTestPair() needs their handlers too, and its errors name its host option (they named createClient, an internal)', () => {
    const make = createTestPair as (...args: unknown[]) => unknown
    const handlers = { connect: () => '', slowConfig: () => '', cancellable: () => '' }
    expect(() => make(app, handlers)).toThrow(/^createTestPair\(contract, handlers, \{ host \}\): the contract declares host procedures \("getConfig", "hang", "log"\); pass their handlers as options.host$/)
    expect(() => make(app, handlers, { host: { getConfig: () => '' } })).toThrow(/^createTestPair\(contract, handlers, \{ host \}\): options.host: missing a handler for "hang", "log"$/)
    expect(() => make(app, handlers, { host: { getConfig: () => '', hang: () => 1, log: () => {}, extra: () => {} } })).toThrow(/^createTestPair\(.*options.host: handlers for procedures not in the contract: "extra"$/)
  })

  it('fork() and spawnThread() check the host handlers before starting anything', async () => {
    const run = fork as (...args: unknown[]) => Promise<unknown>
    await expect(run(app, 'does-not-exist.js')).rejects.toThrow(/pass their handlers as options.host/)
    await expect(run(app, 'does-not-exist.js', { host: { getConfig: () => '' } })).rejects.toThrow(/missing a handler for "hang", "log"/)
    const spawn = spawnThread as (...args: unknown[]) => Promise<unknown>
    await expect(spawn(app, 'does-not-exist.js', { host: { getConfig: () => '', hang: () => 1, log: () => {}, extra: () => {} } })).rejects.toThrow(/options.host: handlers for procedures not in the contract: "extra"/)
  })

  it('types: a missing host handler is a compile error', () => {
    const typeOnly = async (): Promise<void> => {
      // @ts-expect-error: the contract declares host procedures, so options.host is required
      await fork(app, './app.worker.js')
      // @ts-expect-error: "log" and "hang" are missing
      await fork(app, './app.worker.js', { host: { getConfig: (key: string) => key } })
      await fork(app, './app.worker.js', { host: { getConfig: (key) => key, hang: () => new Promise<never>(() => {}), log: () => {} } })
    }
    expect(typeof typeOnly).toBe('function')
  })
})

describe('deadlines flow down to two-way calls', () => {
  const nested = defineContract(
    { report: procedure<number, string>(), deadlineOfHostCall: procedure<void, number | null>() },
    { host: { slowConfig: procedure<number, string>(), deadline: procedure<void, number | null>() } },
  )
  const host = {
    slowConfig: (ms: number) => new Promise<string>((resolve) => setTimeout(() => resolve(`config after ${ms} ms`), ms)),
    deadline: (_input: void, ctx: HandlerContext) => ctx.deadline ?? null,
  }

  it("a handler's call to the parent inherits what is left of its own deadline, and says so when that fires", async () => {
    let nestedError: TimeoutError | undefined
    const pair = createTestPair(nested, {
      report: (ms, ctx) =>
        ctx.host.slowConfig(ms).catch(async (error: TimeoutError) => {
          nestedError = error
          // Both timers end at the same deadline, and which fires first within that millisecond
          // is the event loop's choice: rethrown at once, this error may reach the caller before
          // its own timer fires. Held until the caller's timeout cancels this handler, the
          // caller's outcome is its own timeout every time.
          if (!ctx.signal.aborted) await new Promise((resolve) => ctx.signal.addEventListener('abort', resolve, { once: true }))
          throw error
        }),
      deadlineOfHostCall: (_input, ctx) => ctx.host.deadline(),
    }, { host })
    try {
      // The host call alone would take 300 ms; the call that makes it has 100 ms: both end at
      // that deadline. The caller sees its own call's timeout; the handler sees that its nested
      // call fired on the deadline it inherited.
      const error = await pair.call.report(300, { timeout: 100 }).catch((e: unknown) => e)
      expect(error).toMatchObject({ name: 'TimeoutError', procedure: 'report', timeout: 100, inheritedFrom: undefined })
      await vi.waitFor(() => expect(nestedError).toBeInstanceOf(TimeoutError))
      expect(nestedError).toMatchObject({ procedure: 'slowConfig', inheritedFrom: 'report' })
      expect(nestedError?.timeout).toBeLessThanOrEqual(100)
      expect(nestedError?.message).toContain('the deadline of call "report", which made it')
      // Without a deadline of its own, the nested call has none either.
      await expect(pair.call.report(10)).resolves.toBe('config after 10 ms')
      // The nested call's own handler (in the parent) sees the inherited deadline.
      const before = Date.now()
      const deadline = await pair.call.deadlineOfHostCall(undefined, { timeout: 2_000 })
      expect(deadline).toBeGreaterThan(before)
      expect(deadline).toBeLessThanOrEqual(before + 2_000 + 50)
      expect(await pair.call.deadlineOfHostCall()).toBeNull()
    } finally {
      await pair.close()
    }
  })

  it('a nested call with a shorter timeout of its own keeps it, and its TimeoutError inherits nothing', async () => {
    const pair = createTestPair(nested, {
      report: (ms, ctx) => ctx.host.slowConfig(ms, { timeout: 20 }).catch((error: TimeoutError) => `${error.timeout} ${String(error.inheritedFrom)}`),
      deadlineOfHostCall: () => null,
    }, { host })
    try {
      await expect(pair.call.report(300, { timeout: 5_000 })).resolves.toBe('20 undefined')
    } finally {
      await pair.close()
    }
  })
})
