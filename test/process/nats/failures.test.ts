/**
 * Failures over NATS are typed and bounded: no instance serving the subject, an instance
 * SIGKILLed mid-call (found by missed heartbeats), idempotent calls retried on another
 * instance, the connection to NATS dropping and coming back, and a serving instance's
 * close() draining its calls.
 */
import { describe, expect, it } from 'vitest'
import { WorkerExitedError } from '@forkrpc/core'
import { InstanceLostError, NoRespondersError } from '@forkrpc/nats'
import { math } from '../../fixtures/math.contract.js'
import { remote } from '../../fixtures/remote.contract.js'
import { streams } from '../../fixtures/stream.contract.js'
import { connectCaller, freshSubject, natsServer, ownNatsServer, startInstance, TEST_HEARTBEAT_TIMEOUT } from '../../nats-helpers.js'

/** A lost instance shows within the heartbeat timeout and one check period after it. */
const LOSS_BOUND = TEST_HEARTBEAT_TIMEOUT * 1.25 + 500

describe('failures over NATS', () => {
  it('rejects at once with NoRespondersError when no instance serves the subject', async () => {
    const { url } = await natsServer()
    const worker = await connectCaller(math, url, freshSubject('nobody'))
    const started = Date.now()
    const error = (await worker.call.add({ a: 1, b: 2 }).catch((e: unknown) => e)) as NoRespondersError
    expect(Date.now() - started).toBeLessThan(TEST_HEARTBEAT_TIMEOUT)
    expect(error).toBeInstanceOf(NoRespondersError)
    expect(error).toBeInstanceOf(WorkerExitedError)
    expect(error.procedure).toBe('add')
    const stream = worker.call.ping()
    await expect(stream).rejects.toBeInstanceOf(NoRespondersError)
  })

  it('rejects calls and streams in flight with InstanceLostError, within a bound, when their instance is SIGKILLed', async () => {
    const { url } = await natsServer()
    const subject = freshSubject('killed')
    const instance = await startInstance('math', url, subject)
    const worker = await connectCaller(math, url, subject)
    const streamSubject = freshSubject('killed-streams')
    const streamInstance = await startInstance('streams', url, streamSubject)
    const streamer = await connectCaller(streams, url, streamSubject)
    const call = worker.call.slow(10_000).catch((e: unknown) => e)
    const iterator = streamer.call.numbers({})[Symbol.asyncIterator]()
    expect((await iterator.next()).value).toBe(0)
    await new Promise((resolve) => setTimeout(resolve, 100))
    const killed = Date.now()
    instance.child.kill('SIGKILL')
    streamInstance.child.kill('SIGKILL')
    const error = (await call) as InstanceLostError
    expect(Date.now() - killed).toBeLessThan(LOSS_BOUND)
    expect(error).toBeInstanceOf(InstanceLostError)
    expect(error).toBeInstanceOf(WorkerExitedError)
    expect(error.reason).toBe('silent')
    expect(error.instance).toBe(instance.instance)
    // The stream ends with it too, after the chunks that arrived.
    let streamError: unknown
    try {
      for (;;) if ((await iterator.next()).done === true) break
    } catch (e) {
      streamError = e
    }
    expect(streamError).toBeInstanceOf(InstanceLostError)
    // Silent, or gone: its credit went to a subject nobody listens on any more, and NATS said so.
    expect(['silent', 'gone']).toContain((streamError as InstanceLostError).reason)
    expect(Date.now() - killed).toBeLessThan(LOSS_BOUND)
    // Nobody serves the subject any more.
    await expect(worker.call.add({ a: 1, b: 1 })).rejects.toBeInstanceOf(NoRespondersError)
  })

  it('retries an idempotent call once on another instance when its instance is lost', async () => {
    const { url } = await natsServer()
    const subject = freshSubject('retry')
    const instances = await Promise.all([startInstance('remote', url, subject), startInstance('remote', url, subject)])
    const worker = await connectCaller(remote, url, subject)
    const call = worker.call.stall(1_000)
    let running: (typeof instances)[number] | undefined
    while (running === undefined) {
      await new Promise((resolve) => setTimeout(resolve, 10))
      running = instances.find((instance) => instance.messages.some((m) => (m as { stalling?: number }).stalling !== undefined))
    }
    running.child.kill('SIGKILL')
    const other = instances.find((instance) => instance !== running)
    expect(await call).toBe(other?.pid)
    expect(worker.retries).toBe(1)
  })

  it('fails calls in flight (typed) when the connection to NATS drops, and takes new calls once it is back', async () => {
    const server = await ownNatsServer()
    const subject = freshSubject('restart')
    await startInstance('math', server.url, subject)
    const worker = await connectCaller(math, server.url, subject)
    expect(await worker.call.add({ a: 1, b: 1 })).toBe(2)
    const inFlight = worker.call.slow(2_000).catch((e: unknown) => e)
    await new Promise((resolve) => setTimeout(resolve, 100))
    await server.restart({ downFor: 300 })
    const error = (await inFlight) as InstanceLostError
    expect(error).toBeInstanceOf(InstanceLostError)
    expect(error.reason).toBe('disconnected')
    // New calls go through once both sides are back; until then they fail typed, never hang.
    const deadline = Date.now() + 10_000
    let result: number | undefined
    while (result === undefined) {
      expect(Date.now()).toBeLessThan(deadline)
      result = await worker.call.add({ a: 2, b: 3 }, { timeout: 2_000 }).catch((e: unknown) => {
        expect(e).toBeInstanceOf(WorkerExitedError)
        return new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), 50))
      })
    }
    expect(result).toBe(5)
    expect(await worker.call.slow(50)).toBe('slept 50')
  })

  it("fails a call (typed, bounded) when only the instance's connection drops", async () => {
    const server = await ownNatsServer()
    const subject = freshSubject('instance-drop')
    const instance = await startInstance('math', server.url, subject)
    const worker = await connectCaller(math, server.url, subject)
    const inFlight = worker.call.slow(3_000).catch((e: unknown) => e)
    await new Promise((resolve) => setTimeout(resolve, 100))
    // Stop the instance (SIGSTOP: its socket stays open, it only goes silent), then let it go on.
    process.kill(instance.pid, 'SIGSTOP')
    const stopped = Date.now()
    const error = (await inFlight) as InstanceLostError
    process.kill(instance.pid, 'SIGCONT')
    expect(Date.now() - stopped).toBeLessThan(LOSS_BOUND)
    expect(error).toBeInstanceOf(InstanceLostError)
    expect(error.reason).toBe('silent')
    expect(await worker.call.add({ a: 1, b: 2 })).toBe(3)
  })

  it("drains on close(): the instance finishes its calls, and new ones go to the other instance", async () => {
    const { url } = await natsServer()
    const subject = freshSubject('drain')
    const [leaving] = await Promise.all([startInstance('math', url, subject), startInstance('math', url, subject)])
    const worker = await connectCaller(math, url, subject)
    const calls = Array.from({ length: 20 }, () => worker.call.slow(300))
    await new Promise((resolve) => setTimeout(resolve, 50))
    const closing = leaving!.close()
    const during = Array.from({ length: 20 }, (_, i) => worker.call.add({ a: i, b: 1 }))
    expect(await Promise.all(calls)).toEqual(Array.from({ length: 20 }, () => 'slept 300'))
    expect(await Promise.all(during)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1))
    await closing
    expect(leaving!.child.exitCode).toBe(0)
    expect(await Promise.all(Array.from({ length: 20 }, (_, i) => worker.call.add({ a: i, b: 2 })))).toEqual(Array.from({ length: 20 }, (_, i) => i + 2))
  })
})
