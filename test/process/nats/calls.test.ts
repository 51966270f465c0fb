/**
 * A contract served over NATS behaves as it does over fork: calls, validation, error
 * classes, deadlines and cancellation reaching the instance, streams with credit, input
 * streams, events, notifications, and the size limits (maxMessageBytes and the server's
 * max_payload). Instances run in child processes against a real nats-server.
 */
import { beforeAll, describe, expect, it } from 'vitest'
import { PayloadTooLargeError, TimeoutError, ValidationError } from '@forkrpc/core'
import { math, ParseError } from '../../fixtures/math.contract.js'
import { remote } from '../../fixtures/remote.contract.js'
import { streams } from '../../fixtures/stream.contract.js'
import { connectCaller, freshSubject, natsServer, ownNatsServer, startInstance, type Instance } from '../../nats-helpers.js'

let url: string
const subjects = { math: freshSubject('math'), streams: freshSubject('streams'), remote: freshSubject('remote') }
let mathInstance: Instance

beforeAll(async () => {
  url = (await natsServer()).url
  ;[mathInstance] = await Promise.all([
    startInstance('math', url, subjects.math, { shared: true }),
    startInstance('streams', url, subjects.streams, { shared: true }),
    startInstance('remote', url, subjects.remote, { shared: true }),
  ])
})

/** Waits until the math instance has reported its handler's abort (the slow handler reports it over IPC). */
async function observedAbort(from: number): Promise<string> {
  for (let i = 0; i < 200; i++) {
    const seen = mathInstance.messages.slice(from).find((m) => (m as { observed?: string }).observed === 'abort') as { reason: string } | undefined
    if (seen !== undefined) return seen.reason
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
  throw new Error('the handler never saw its signal abort')
}

describe('calls over NATS', () => {
  it('calls procedures through the typed client, thousands in flight', async () => {
    const worker = await connectCaller(math, url, subjects.math)
    expect(await worker.call.add({ a: 1, b: 2 })).toBe(3)
    const results = await Promise.all(Array.from({ length: 2_000 }, (_, i) => worker.call.add({ a: i, b: 1 })))
    expect(results).toEqual(Array.from({ length: 2_000 }, (_, i) => i + 1))
    expect((await worker.close()).forced).toBe(false)
  })

  it('carries Dates, Maps, BigInts and undefined exactly', async () => {
    const worker = await connectCaller(math, url, subjects.math)
    const value = { when: new Date(1_700_000_000_000), map: new Map([['k', new Set([1, 2])]]), big: 2n ** 70n, missing: undefined }
    expect(await worker.call.echo(value)).toEqual(value)
  })

  it('validates input before sending, and brings error classes back as themselves', async () => {
    const worker = await connectCaller(math, url, subjects.math)
    await expect(worker.call.fib({ n: -1 })).rejects.toBeInstanceOf(ValidationError)
    expect(await worker.call.fib({ n: 20 })).toBe(6765)
    const error = (await worker.call.fail({ kind: 'parse' }).catch((e: unknown) => e)) as ParseError
    expect(error).toBeInstanceOf(ParseError)
    expect(error.line).toBe(3)
    expect(error.cause).toBeInstanceOf(TypeError)
  })

  it('sends the timeout as a deadline: the handler sees the time left, and its signal aborts with TimeoutError', async () => {
    const caller = await connectCaller(remote, url, subjects.remote)
    const left = await caller.call.left(undefined, { timeout: 5_000 })
    expect(left).toBeGreaterThan(4_000)
    expect(left).toBeLessThanOrEqual(5_000)
    expect(await caller.call.left()).toBe(-1)
    const worker = await connectCaller(math, url, subjects.math)
    const from = mathInstance.messages.length
    const started = Date.now()
    const timedOut = await worker.call.slow(10_000, { timeout: 200 }).catch((e: unknown) => e)
    expect(timedOut, String((timedOut as Error)?.stack)).toBeInstanceOf(TimeoutError)
    expect(Date.now() - started).toBeLessThan(2_000)
    expect(await observedAbort(from)).toBe('TimeoutError')
  })

  it("cancels: the caller's signal aborts the handler's on the instance", async () => {
    const worker = await connectCaller(math, url, subjects.math)
    const from = mathInstance.messages.length
    const controller = new AbortController()
    const call = worker.call.slow(10_000, { signal: controller.signal })
    await new Promise((resolve) => setTimeout(resolve, 100))
    controller.abort(new Error('stop'))
    await expect(call).rejects.toThrow('stop')
    expect(await observedAbort(from)).toBe('AbortError')
    expect(await worker.call.add({ a: 2, b: 2 })).toBe(4)
  })

  it("streams every chunk with credit, and break stops the instance's generator", async () => {
    const worker = await connectCaller(streams, url, subjects.streams)
    const stopped = worker.events('stopped')
    let count = 0
    for await (const chunk of worker.call.numbers({ count: 10_000 })) expect(chunk).toBe(count++)
    expect(count).toBe(10_000)
    expect((await stopped.next()).value).toEqual({ produced: 10_000, reason: 'done' })
    // An endless stream: the generator runs only as far as the credit lets it (64 ahead of the consumer).
    for await (const chunk of worker.call.numbers({})) {
      if (chunk === 199) break
      if (chunk % 50 === 0) await new Promise((resolve) => setTimeout(resolve, 20))
    }
    const end = (await stopped.next()).value
    expect(end?.reason).toBe('AbortError')
    expect(end?.produced).toBeGreaterThanOrEqual(200)
    expect(end?.produced).toBeLessThanOrEqual(200 + 64 + 1)
  })

  it('streams an iterable into a handler (input stream), with credit', async () => {
    const worker = await connectCaller(streams, url, subjects.streams)
    async function* numbers() {
      for (let i = 0; i < 10_000; i++) yield i
    }
    expect(await worker.call.sum(numbers())).toBe(49_995_000)
  })

  it('delivers events to worker.on and to the call that emitted them (onProgress)', async () => {
    const worker = await connectCaller(streams, url, subjects.streams)
    const all: number[] = []
    worker.on('progress', ({ pct }) => all.push(pct))
    const own: number[] = []
    expect(await worker.call.job(4, { onProgress: ({ pct }) => own.push(pct) })).toBe('done')
    expect(own).toEqual([25, 50, 75, 100])
    expect(all).toEqual([25, 50, 75, 100])
  })

  it('delivers notifications to every instance, in order with the calls that follow', async () => {
    const subject = freshSubject('notify')
    await Promise.all([startInstance('streams', url, subject), startInstance('streams', url, subject)])
    const worker = await connectCaller(streams, url, subject)
    worker.notify('setLabel', 'first')
    worker.notify('setLabel', 'second')
    const labels = await Promise.all(Array.from({ length: 40 }, () => worker.call.label()))
    expect(new Set(labels)).toEqual(new Set(['second']))
  })

  it('refuses a message over maxMessageBytes before sending it, either way', async () => {
    const worker = await connectCaller(math, url, subjects.math, { maxMessageBytes: 1_000 })
    const error = (await worker.call.echo('x'.repeat(2_000)).catch((e: unknown) => e)) as PayloadTooLargeError
    expect(error).toBeInstanceOf(PayloadTooLargeError)
    expect(error.role).toBe('input')
    expect(error.limit).toBe(1_000)
    const caller = await connectCaller(remote, url, subjects.remote, { maxMessageBytes: 1_000 })
    await expect(caller.call.big(2_000)).rejects.toMatchObject({ name: 'PayloadTooLargeError', role: 'result' })
    expect(await worker.call.add({ a: 1, b: 1 })).toBe(2)
  })

  it("refuses a message over the server's max_payload with PayloadTooLargeError, either way, never a silent drop", async () => {
    const small = await ownNatsServer({ maxPayload: 4_096 })
    const subject = freshSubject('small')
    await startInstance('remote', small.url, subject)
    const caller = await connectCaller(remote, small.url, subject)
    expect(await caller.call.big(1_000)).toHaveLength(1_000)
    // The instance's result is over max_payload: it sends the error instead.
    const error = (await caller.call.big(10_000).catch((e: unknown) => e)) as PayloadTooLargeError
    expect(error).toBeInstanceOf(PayloadTooLargeError)
    expect(error.role).toBe('result')
    expect(error.limit).toBeLessThanOrEqual(4_096)
    const math4k = await connectCaller(math, small.url, subject)
    await expect(math4k.call.echo('x'.repeat(5_000))).rejects.toMatchObject({ name: 'PayloadTooLargeError', role: 'input' })
  })
})
