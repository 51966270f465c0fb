import { describe, expect, expectTypeOf, it, vi } from 'vitest'
import { ChannelClosedError, defineContract, ForkRpcError, inputStream, procedure, SerializationError, stream, TimeoutError, WorkerExitedError, type RpcWorker } from '@forkrpc/core'
import { mockWorker, NotImplementedError } from '@forkrpc/testing'

const math = defineContract({
  add: procedure<{ a: number; b: number }, number>(),
  fib: procedure<{ n: number }, number>(),
  wait: procedure<number, string>(),
  echo: procedure<unknown, unknown>(),
})

describe('mockWorker', () => {
  it('stands in for an RpcWorker: implemented procedures answer through the codec', async () => {
    await using worker = mockWorker(math, { add: ({ a, b }) => a + b, echo: (value) => value })
    const asWorker: RpcWorker<typeof math> = worker
    expect(await asWorker.call.add({ a: 2, b: 3 })).toBe(5)
    // A Map survives the default json channel as it would with fork().
    expect(await worker.call.echo(new Map([[1, 'one']]))).toEqual(new Map([[1, 'one']]))
    // A function does not, as with fork().
    await expect(worker.call.echo({ fn: () => 1 })).rejects.toBeInstanceOf(SerializationError)
  })

  it('rejects procedures without a handler with NotImplementedError naming them', async () => {
    await using worker = mockWorker(math, { add: ({ a, b }) => a + b })
    const error = await worker.call.fib({ n: 3 }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(NotImplementedError)
    expect(error).toBeInstanceOf(ForkRpcError)
    expect(error).toMatchObject({ code: 'ERR_FORKRPC_NOT_IMPLEMENTED', procedure: 'fib' })
    expect((error as Error).message).toContain('procedure "fib" has no handler')
  })

  it('refuses handlers for procedures the contract lacks', () => {
    // @ts-expect-error -- not in the contract
    expect(() => mockWorker(math, { sub: () => 0 })).toThrow(/handlers for procedures not in the contract: "sub"/)
  })

  it('records every call with its input, options and outcome, in order and per procedure', async () => {
    await using worker = mockWorker(math, {
      add: ({ a, b }) => a + b,
      wait: (ms) => new Promise((resolve) => setTimeout(resolve, ms, `waited ${ms}`)),
    })
    const signal = new AbortController().signal
    await worker.call.add({ a: 1, b: 2 }, { signal })
    await worker.call.fib({ n: 1 }).catch(() => undefined)
    const waiting = worker.call.wait(20, { timeout: 1_000 })
    expect(worker.calls.at(-1)?.outcome).toEqual({ status: 'pending' })
    await waiting
    expect(worker.calls.map((call) => [call.procedure, call.outcome.status])).toEqual([
      ['add', 'resolved'],
      ['fib', 'rejected'],
      ['wait', 'resolved'],
    ])
    const [add] = worker.callsTo('add')
    expect(add).toEqual({ procedure: 'add', input: { a: 1, b: 2 }, options: { signal }, outcome: { status: 'resolved', value: 3 } })
    expectTypeOf(add!.input).toEqualTypeOf<{ a: number; b: number }>()
    expect(worker.callsTo('wait')[0]?.outcome).toEqual({ status: 'resolved', value: 'waited 20' })
    const fib = worker.callsTo('fib')[0]?.outcome
    expect(fib?.status === 'rejected' && fib.error).toBeInstanceOf(NotImplementedError)
  })

  it('honours timeouts like a worker', async () => {
    await using worker = mockWorker(math, { wait: () => new Promise(() => {}) }, { timeout: 30 })
    await expect(worker.call.wait(1)).rejects.toBeInstanceOf(TimeoutError)
  })

  it('close(): later calls reject with ChannelClosedError; an idle mock exits 0', async () => {
    const worker = mockWorker(math, { add: ({ a, b }) => a + b })
    expect(await worker.close()).toEqual({ code: 0, signal: null, forced: false })
    expect(await worker.close()).toEqual({ code: 0, signal: null, forced: false })
    const error = await worker.call.add({ a: 1, b: 1 }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ChannelClosedError)
    expect(error).toMatchObject({ procedure: 'add' })
  })

  it('close(): calls in flight get the grace period, then their signal aborts as on SIGTERM', async () => {
    const worker = mockWorker(math, {
      wait: (ms, { signal }) =>
        new Promise((resolve, reject) => {
          const timer = setTimeout(resolve, ms, 'done')
          signal.addEventListener('abort', () => {
            clearTimeout(timer)
            reject(signal.reason)
          })
        }),
    })
    const quick = worker.call.wait(10)
    const long = worker.call.wait(60_000).catch((e: unknown) => e)
    expect(await worker.close({ grace: 50 })).toEqual({ code: 0, signal: null, forced: false })
    expect(await quick).toBe('done')
    expect(await long).toMatchObject({ name: 'AbortError', procedure: 'wait', message: expect.stringContaining('shutting down (SIGTERM)') })
  })

  it('close(): a handler that ignores its signal is given up on after killTimeout, as if SIGKILLed', async () => {
    const worker = mockWorker(math, { wait: () => new Promise(() => {}) })
    const stuck = worker.call.wait(1).catch((e: unknown) => e)
    expect(await worker.close({ grace: 20, killTimeout: 20 })).toEqual({ code: null, signal: 'SIGKILL', forced: true })
    expect(await stuck).toMatchObject({ name: 'WorkerExitedError', signal: 'SIGKILL', procedure: 'wait' })
    await expect(worker.close({ grace: -1 })).resolves.toMatchObject({ forced: true }) // the first close's result
    await expect(mockWorker(math, {}).close({ grace: -1 })).rejects.toThrow(/close\(\{ grace \}\)/)
    for (const options of ['x', null]) await expect(mockWorker(math, {}).close(options as never)).rejects.toThrow('close(): options must be an object')
  })

  it('injects faults like a test pair, and close() then reports that exit', async () => {
    const worker = mockWorker(math, { wait: () => new Promise(() => {}) })
    const call = worker.call.wait(1).catch((e: unknown) => e)
    await new Promise((resolve) => setImmediate(resolve))
    worker.faults.exit({ exitCode: 137, stderr: 'Killed' })
    expect(await call).toBeInstanceOf(WorkerExitedError)
    expect(await call).toMatchObject({ exitCode: 137, stderr: 'Killed' })
    // Even a procedure without a handler now reports the exit, as a dead worker would.
    await expect(worker.call.fib({ n: 1 })).rejects.toBeInstanceOf(WorkerExitedError)
    expect(await worker.close()).toEqual({ code: 137, signal: null, forced: false })
  })

  it('has a pid no process has, and no child process', async () => {
    await using worker = mockWorker(math, {})
    expect(() => process.kill(worker.pid, 0)).toThrow(expect.objectContaining({ code: 'ESRCH' }))
    expect(() => worker.process).toThrow(NotImplementedError)
  })
})

describe('mockWorker with stream procedures', () => {
  const files = defineContract({
    lines: stream<number, string>(),
    other: stream<void, number>(),
    upload: inputStream<string, number>(),
  })

  it('iterates a stream handler and records the chunks the consumer took', async () => {
    let finallyRan = false
    await using worker = mockWorker(files, {
      async *lines(count) {
        try {
          for (let i = 0; i < count; i++) yield `line ${i}`
        } finally {
          finallyRan = true
        }
      },
      async upload(lines) {
        let total = 0
        for await (const line of lines) total += line.length
        return total
      },
    })
    const read: string[] = []
    for await (const line of worker.call.lines(3)) read.push(line)
    expect(read).toEqual(['line 0', 'line 1', 'line 2'])
    expect(worker.callsTo('lines')).toEqual([{ procedure: 'lines', input: 3, options: undefined, outcome: { status: 'resolved', value: ['line 0', 'line 1', 'line 2'] } }])
    // Breaking off early records what was taken, and stops the handler's generator.
    for await (const line of worker.call.lines(100)) if (line === 'line 1') break
    await vi.waitFor(() => expect(finallyRan).toBe(true))
    expect(worker.callsTo('lines')[1]?.outcome).toEqual({ status: 'resolved', value: ['line 0', 'line 1'] })
    expect(await worker.call.upload(['ab', 'c'])).toBe(3)
  })

  it('rejects the first next() of a stream without a handler with NotImplementedError, and records it', async () => {
    await using worker = mockWorker(files, {})
    const error = await worker.call.other().next().catch((e: unknown) => e)
    expect(error).toBeInstanceOf(NotImplementedError)
    expect(error).toMatchObject({ procedure: 'other' })
    expect(worker.callsTo('other')[0]?.outcome).toMatchObject({ status: 'rejected', error: { name: 'NotImplementedError' } })
    await expect(worker.call.upload(['a'])).rejects.toBeInstanceOf(NotImplementedError)
  })

  it('after close(), a stream rejects with ChannelClosedError', async () => {
    const worker = mockWorker(files, { async *lines() {} })
    await worker.close()
    await expect(worker.call.lines(1).next()).rejects.toBeInstanceOf(ChannelClosedError)
  })
})

describe('mockWorker of a contract with host procedures', () => {
  const app = defineContract(
    { report: procedure<string, string>() },
    { host: { getConfig: procedure<string, string>(), log: procedure<string, void>() } },
  )

  it('stands in for such a worker: its handlers call the host handlers given, the others reject with NotImplementedError', async () => {
    await using worker = mockWorker(
      app,
      { report: async (region, ctx) => `${await ctx.host.getConfig(`dsn.${region}`)}; ${String(await ctx.host.log('hi').catch((e: unknown) => e))}` },
      { host: { getConfig: (key) => `value of ${key}` } },
    )
    const asWorker: RpcWorker<typeof app> = worker
    expect(await asWorker.call.report('eu')).toBe('value of dsn.eu; NotImplementedError: mockWorker(): host procedure "log" has no handler; pass one in mockWorker(contract, handlers, { host: { log: ... } })')
  })

  it('needs no host handlers, and refuses ones the contract lacks', async () => {
    await using worker = mockWorker(app, { report: (region, ctx) => ctx.host.getConfig(region) })
    await expect(worker.call.report('eu')).rejects.toMatchObject({ name: 'NotImplementedError', procedure: 'getConfig' })
    // @ts-expect-error -- not a host procedure of the contract
    expect(() => mockWorker(app, {}, { host: { nope: () => '' } })).toThrow(/^mockWorker\(contract, handlers, \{ host \}\): options.host: handlers for procedures not in the contract: "nope"$/)
    // These named createClient, an internal of the mock, rather than the option the user gave.
    expect(() => mockWorker(app, {}, { host: { getConfig: 'x' as never } })).toThrow(/^mockWorker\(contract, handlers, \{ host \}\): options.host: missing a handler for "getConfig"$/)
    expect(() => mockWorker(math, {}, { host: {} } as never)).not.toThrow()
    expect(() => mockWorker(math, {}, { host: 'x' } as never)).toThrow(/^mockWorker\(contract, handlers, \{ host \}\): options.host was given, but the contract declares no host procedures$/)
  })
})
