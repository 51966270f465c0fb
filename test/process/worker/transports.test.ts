/**
 * The contract suite: the same contract and handlers behave the same over a child process
 * (`fork`), over a worker thread (`spawnThread`), and over NATS (`serveNats` in a child
 * process, `connectNats` here).
 */
import { describe, expect, it } from 'vitest'
import { ChannelClosedError, TimeoutError, ValidationError, WorkerExitedError } from '@forkrpc/core'
import { math, ParseError } from '../../fixtures/math.contract.js'
import { ParseError as StreamParseError, streams } from '../../fixtures/stream.contract.js'
import { transports } from '../../helpers.js'
import { natsTransport } from '../../nats-helpers.js'

describe.each([...transports, natsTransport])('the contract suite over a $name', (transport) => {
  it('calls procedures through the typed client, thousands in flight', async () => {
    const worker = await transport.start(math, 'math.worker.ts')
    expect(await worker.call.add({ a: 1, b: 2 })).toBe(3)
    expect(await worker.call.fib({ n: 20 })).toBe(6765)
    const results = await Promise.all(Array.from({ length: 2_000 }, (_, i) => worker.call.add({ a: i, b: 1 })))
    expect(results).toEqual(Array.from({ length: 2_000 }, (_, i) => i + 1))
  })

  it('carries Dates, Maps, BigInts and undefined exactly', async () => {
    const worker = await transport.start(math, 'math.worker.ts')
    const value = { when: new Date(1_700_000_000_000), map: new Map([['k', new Set([1, 2])]]), big: 2n ** 70n, missing: undefined }
    expect(await worker.call.echo(value)).toEqual(value)
  })

  it('brings a registered error class back as itself, with its cause', async () => {
    const worker = await transport.start(math, 'math.worker.ts')
    const error = (await worker.call.fail({ kind: 'parse' }).catch((e: unknown) => e)) as ParseError
    expect(error).toBeInstanceOf(ParseError)
    expect(error.line).toBe(3)
    expect(error.cause).toBeInstanceOf(TypeError)
  })

  it('validates input with the schema before sending', async () => {
    const worker = await transport.start(math, 'math.worker.ts')
    await expect(worker.call.fib({ n: -1 })).rejects.toBeInstanceOf(ValidationError)
  })

  it('times out and cancels calls, and the worker goes on', async () => {
    const worker = await transport.start(math, 'math.worker.ts')
    await expect(worker.call.slow(10_000, { timeout: 50 })).rejects.toBeInstanceOf(TimeoutError)
    const controller = new AbortController()
    const call = worker.call.slow(10_000, { signal: controller.signal })
    controller.abort(new Error('stop'))
    await expect(call).rejects.toThrow('stop')
    expect(await worker.call.add({ a: 2, b: 2 })).toBe(4)
  })

  it("streams every chunk, and breaking early runs the handler's finally", async () => {
    const worker = await transport.start(streams, 'stream.worker.ts')
    const stopped = worker.events('stopped')
    let count = 0
    for await (const chunk of worker.call.numbers({ count: 10_000 })) expect(chunk).toBe(count++)
    expect(count).toBe(10_000)
    expect((await stopped.next()).value).toEqual({ produced: 10_000, reason: 'done' })
    for await (const chunk of worker.call.numbers({})) if (chunk === 99) break
    expect((await stopped.next()).value?.reason).toBe('AbortError')
  })

  it('ends a stream with the error thrown mid-stream, as its own class', async () => {
    const worker = await transport.start(streams, 'stream.worker.ts')
    const lines: string[] = []
    const error = await (async () => {
      for await (const line of worker.call.failing(2)) lines.push(line)
    })().catch((e: unknown) => e)
    expect(lines).toEqual(['line 0', 'line 1'])
    expect(error).toBeInstanceOf(StreamParseError)
  })

  it('delivers events to worker.on and to the call that emitted them', async () => {
    const worker = await transport.start(streams, 'stream.worker.ts')
    const all: number[] = []
    worker.on('progress', ({ pct }) => all.push(pct))
    const own: number[] = []
    await worker.call.job(2, { onProgress: ({ pct }) => own.push(pct) })
    expect(own).toEqual([50, 100])
    expect(all).toEqual([50, 100])
  })

  it('streams an iterable from the parent into a handler (input stream)', async () => {
    const worker = await transport.start(streams, 'stream.worker.ts')
    async function* numbers() {
      for (let i = 0; i < 10_000; i++) yield i
    }
    expect(await worker.call.sum(numbers())).toBe(49_995_000)
  })

  it('delivers notifications to the worker, in order with calls', async () => {
    const worker = await transport.start(streams, 'stream.worker.ts')
    expect(await worker.call.label()).toBe('none')
    worker.notify('setLabel', 'first')
    worker.notify('setLabel', 'second')
    expect(await worker.call.label()).toBe('second')
  })

  it('rejects calls and streams in flight with WorkerExitedError when the worker exits', async () => {
    const worker = await transport.start(streams, 'stream.worker.ts', { allowExit: true })
    const iterator = worker.call.dies(7)
    expect((await iterator.next()).value).toBe('first')
    const error = (await iterator.next().catch((e: unknown) => e)) as WorkerExitedError
    expect(error).toBeInstanceOf(WorkerExitedError)
    // Over NATS the instance is found lost (InstanceLostError, a WorkerExitedError): its exit code does not travel.
    if (transport.name !== 'nats') expect(error.exitCode).toBe(7)
    await expect(worker.call.ping()).rejects.toBeInstanceOf(WorkerExitedError)
  })

  it('close() lets calls in flight finish, then refuses new ones', async () => {
    const worker = await transport.start(math, 'math.worker.ts')
    const inFlight = worker.call.slow(50)
    const closing = worker.close({ grace: 5_000 })
    await expect(worker.call.add({ a: 1, b: 1 })).rejects.toBeInstanceOf(ChannelClosedError)
    expect(await inFlight).toBe('slept 50')
    expect((await closing).forced).toBe(false)
  })
})
