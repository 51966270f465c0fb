/**
 * Calls made while the connection to NATS is down are held by the caller and sent once it is
 * back: the real nats-server is SIGKILLed and started again on the same port, with a serving
 * instance in a child process. A held call's deadline runs meanwhile (one that passes rejects
 * with TimeoutError and never reaches an instance), the buffer is bounded (a typed error past
 * it), and a connection closed for good fails what it holds at once. A proxy cuts one side's
 * connection only: the caller's (what it holds keeps its order), or an instance's (which
 * holds nothing: its callers learn of the lost calls, typed).
 */
import { describe, expect, it } from 'vitest'
import { ChannelClosedError, TimeoutError, TooManyPendingCallsError } from '@forkrpc/core'
import { connectNats, InstanceLostError, NoRespondersError, TooManyHeldMessagesError, type ConnectNatsOptions } from '@forkrpc/nats'
import { connect } from '@nats-io/transport-node'
import type { ContractWithoutHost } from '@forkrpc/core'
import { math } from '../../fixtures/math.contract.js'
import { remote } from '../../fixtures/remote.contract.js'
import { streams } from '../../fixtures/stream.contract.js'
import { freshSubject, natsConnection, ownNatsServer, startInstance, statusEvent, TEST_HEARTBEAT_TIMEOUT, type Instance } from '../../nats-helpers.js'
import { startNatsProxy } from '../../nats-proxy.js'
import type { NatsServerProcess } from '../../nats-server.js'

/** A caller over a connection of its own, and that connection. */
async function caller<C extends ContractWithoutHost>(contract: C, server: NatsServerProcess, subject: string, options: Partial<ConnectNatsOptions> = {}) {
  const nc = await natsConnection(server.url)
  const worker = await connectNats(contract, { connection: nc, subject, heartbeatTimeout: TEST_HEARTBEAT_TIMEOUT, ...options })
  return { nc, worker }
}

/** SIGKILLs nats-server and resolves once the caller's connection has seen it go. */
async function crash(server: NatsServerProcess, nc: Parameters<typeof statusEvent>[0]): Promise<void> {
  const down = statusEvent(nc, 'disconnect')
  await server.kill()
  await down
}

async function collect<T>(stream: AsyncIterable<T>): Promise<T[]> {
  const seen: T[] = []
  for await (const item of stream) seen.push(item)
  return seen
}

/** The executions an instance of the remote fixture reported, as `kind:n`. */
async function executions(instance: Instance): Promise<string[]> {
  await instance.synced()
  return instance.messages.flatMap((m) => {
    const ran = (m as { ran?: [string, number] }).ran
    return ran === undefined ? [] : [`${ran[0]}:${ran[1]}`]
  })
}

describe('calls made while the connection to NATS is down', () => {
  it('are held and sent once nats-server is back on the same port: calls, streams and input streams, each run once', async () => {
    const server = await ownNatsServer()
    const subject = freshSubject('held')
    const streamSubject = freshSubject('held-streams')
    const [instance] = await Promise.all([startInstance('remote', server.url, subject), startInstance('streams', server.url, streamSubject)])
    const { nc, worker } = await caller(remote, server, subject)
    const { worker: streamer } = await caller(streams, server, streamSubject)
    expect(await worker.call.once(1)).toBe(2)
    await crash(server, nc)
    const calls = Promise.all([worker.call.once(10), worker.call.again(11), worker.call.once(12, { timeout: 20_000 })])
    const numbers = collect(streamer.call.numbers({ count: 200 }))
    const sum = streamer.call.sum([1, 2, 3, 4])
    const outcomes = Promise.allSettled([calls, numbers, sum])
    await new Promise((resolve) => setTimeout(resolve, 300))
    expect(worker.held).toBe(3)
    await server.start()
    expect(await outcomes).toEqual([
      { status: 'fulfilled', value: [20, 22, 24] },
      { status: 'fulfilled', value: Array.from({ length: 200 }, (_, i) => i) },
      { status: 'fulfilled', value: 10 },
    ])
    expect(worker.held + streamer.held).toBe(0)
    expect((await executions(instance!)).filter((e) => e !== 'once:1')).toEqual(['once:10', 'again:11', 'once:12'])
  })

  it("are held in order when only the caller's connection drops (its instances keep theirs): a notification reaches them before the call made after it", async () => {
    const server = await ownNatsServer()
    const proxy = await startNatsProxy(server.port)
    try {
      const subject = freshSubject('held-order')
      await startInstance('streams', server.url, subject)
      const nc = await natsConnection(proxy.url)
      const worker = await connectNats(streams, { connection: nc, subject, heartbeatTimeout: TEST_HEARTBEAT_TIMEOUT })
      expect(await worker.call.label()).toBe('none')
      const down = statusEvent(nc, 'disconnect')
      proxy.cut()
      await down
      worker.notify('setLabel', 'first')
      const first = worker.call.label()
      worker.notify('setLabel', 'second')
      const second = worker.call.label()
      const sum = worker.call.sum([5, 6, 7])
      const outcomes = Promise.allSettled([first, second, sum])
      await new Promise((resolve) => setImmediate(resolve))
      // Two notifications, three requests, and the input stream's chunks (and its end) behind its request.
      expect(worker.held).toBeGreaterThan(5)
      const up = statusEvent(nc, 'reconnect')
      proxy.restore()
      await up
      expect(await outcomes).toEqual([
        { status: 'fulfilled', value: 'first' },
        { status: 'fulfilled', value: 'second' },
        { status: 'fulfilled', value: 18 },
      ])
    } finally {
      await proxy.close()
    }
  })

  it('go again when they find no instance just after the reconnect (nobody ran them), and fail with NoRespondersError once heartbeatTimeout has passed', async () => {
    const server = await ownNatsServer()
    const subject = freshSubject('held-no-responders')
    const instance = await startInstance('remote', server.url, subject)
    // A window after the reconnect long enough for a loaded machine to bring the instance back in.
    const { nc, worker } = await caller(remote, server, subject, { heartbeatTimeout: 10_000 })
    // The instance cannot reconnect before the caller: it is stopped until the caller's request has found nobody.
    process.kill(instance.pid, 'SIGSTOP')
    let outcome: Promise<PromiseSettledResult<number>[]> | undefined
    try {
      await crash(server, nc)
      outcome = Promise.allSettled([worker.call.once(60)])
      const up = statusEvent(nc, 'reconnect')
      await server.start()
      await up
      while (worker.held > 0) await new Promise((resolve) => setTimeout(resolve, 10))
      await new Promise((resolve) => setTimeout(resolve, 300))
    } finally {
      process.kill(instance.pid, 'SIGCONT')
    }
    expect(await outcome).toEqual([{ status: 'fulfilled', value: 120 }])
    expect(await executions(instance)).toEqual(['once:60'])
    // With no instance at all, the wait after a reconnect ends with NoRespondersError.
    const lonely = await caller(remote, server, freshSubject('nobody'))
    const down = statusEvent(lonely.nc, 'disconnect')
    await server.kill()
    await down
    const nobody = lonely.worker.call.once(61).catch((e: unknown) => e)
    await server.start()
    expect(await nobody).toBeInstanceOf(NoRespondersError)
  })

  it('reject with TimeoutError when their deadline passes while held, and are never sent', async () => {
    const server = await ownNatsServer()
    const subject = freshSubject('held-deadline')
    const instance = await startInstance('remote', server.url, subject)
    const { nc, worker } = await caller(remote, server, subject)
    await crash(server, nc)
    const expired = worker.call.once(30, { timeout: 200 }).catch((e: unknown) => e)
    const kept = worker.call.once(31, { timeout: 20_000 })
    // At its deadline, while nats-server is still down (it starts again only after this).
    const error = (await expired) as TimeoutError
    expect(error).toBeInstanceOf(TimeoutError)
    expect(worker.held).toBe(1)
    await server.start()
    expect(await kept).toBe(62)
    expect(await executions(instance)).toEqual(['once:31'])
  })

  it('are bounded: past maxHeldMessages a call, a stream and a notification get TooManyHeldMessagesError at once', async () => {
    const server = await ownNatsServer()
    const subject = freshSubject('held-bound')
    await startInstance('streams', server.url, subject)
    const { nc, worker } = await caller(streams, server, subject, { maxHeldMessages: 2 })
    await crash(server, nc)
    const held = [worker.call.ping(), worker.call.ping()]
    const refused = (await worker.call.ping().catch((e: unknown) => e)) as TooManyHeldMessagesError
    expect(refused).toBeInstanceOf(TooManyHeldMessagesError)
    expect(refused).toBeInstanceOf(TooManyPendingCallsError) // code written for maxPending handles it unchanged
    expect(refused.limit).toBe(2)
    expect(refused.unit).toBe('messages')
    await expect(worker.call.numbers({ count: 1 })[Symbol.asyncIterator]().next()).rejects.toBeInstanceOf(TooManyHeldMessagesError)
    expect(() => worker.notify('setLabel', 'too many')).toThrow(TooManyHeldMessagesError)
    await server.start()
    expect(await Promise.all(held)).toEqual(['pong', 'pong'])
    expect(await worker.call.label()).not.toBe('too many')
  })

  it('are bounded in bytes too (maxHeldBytes)', async () => {
    const server = await ownNatsServer()
    const subject = freshSubject('held-bytes')
    await startInstance('math', server.url, subject)
    const { nc, worker } = await caller(math, server, subject, { maxHeldBytes: 1_000 })
    await crash(server, nc)
    const held = worker.call.echo('x'.repeat(500))
    const refused = (await worker.call.echo('y'.repeat(600)).catch((e: unknown) => e)) as TooManyHeldMessagesError
    expect(refused).toBeInstanceOf(TooManyHeldMessagesError)
    expect(refused.unit).toBe('bytes')
    expect(refused.limit).toBe(1_000)
    await server.start()
    expect(await held).toBe('x'.repeat(500))
  })

  it('fail at once with ChannelClosedError when the connection closes for good while they are held', async () => {
    const server = await ownNatsServer()
    const subject = freshSubject('held-closed')
    await startInstance('remote', server.url, subject)
    // A connection that gives up after two attempts to reconnect.
    const nc = await connect({ servers: server.url, reconnectTimeWait: 50, maxReconnectAttempts: 2 })
    const worker = await connectNats(remote, { connection: nc, subject, heartbeatTimeout: TEST_HEARTBEAT_TIMEOUT })
    await crash(server, nc)
    const held = worker.call.once(40).catch((e: unknown) => e)
    let settled = false
    void held.then(() => (settled = true))
    // It fails when the client gives up (after its two attempts), not later.
    await nc.closed()
    await new Promise((resolve) => setImmediate(resolve))
    expect(settled).toBe(true)
    const error = (await held) as ChannelClosedError
    expect(error).toBeInstanceOf(ChannelClosedError)
    expect(error.message).toMatch(/call "once" was not sent/)
    await expect(worker.call.once(41)).rejects.toBeInstanceOf(ChannelClosedError)
  })

  it('fail at once with ChannelClosedError when the application closes the connection while they are held', async () => {
    const server = await ownNatsServer()
    const subject = freshSubject('held-app-closed')
    const { nc, worker } = await caller(remote, server, subject)
    await crash(server, nc)
    const held = worker.call.once(50).catch((e: unknown) => e)
    let settled = false
    void held.then(() => (settled = true))
    await new Promise((resolve) => setTimeout(resolve, 50))
    expect(settled).toBe(false)
    await nc.close()
    await new Promise((resolve) => setImmediate(resolve))
    expect(settled).toBe(true)
    const error = (await held) as ChannelClosedError
    expect(error).toBeInstanceOf(ChannelClosedError)
    expect(error.message).toMatch(/call "once" was not sent/)
  })
})

describe("an instance whose connection to NATS drops", () => {
  it('holds no reply: it aborts its handlers, their callers get InstanceLostError, and it serves again once back', async () => {
    const server = await ownNatsServer()
    const proxy = await startNatsProxy(server.port)
    try {
      const subject = freshSubject('instance-cut')
      // The instance reaches NATS through the proxy; the caller directly (it stays connected).
      const instance = await startInstance('math', proxy.url, subject)
      const { worker } = await caller(math, server, subject)
      const running = worker.call.slow(5_000).catch((e: unknown) => e)
      await new Promise((resolve) => setTimeout(resolve, 200))
      proxy.cut()
      const error = (await running) as InstanceLostError
      expect(error).toBeInstanceOf(InstanceLostError)
      expect(['silent', 'gone']).toContain(error.reason)
      // Its handler was told to stop: the instance gave the call up rather than answer into the void.
      await instance.synced()
      expect(instance.messages).toContainEqual({ observed: 'abort', reason: 'AbortError' })
      proxy.restore()
      let answer: unknown
      for (let tries = 0; answer !== 3 && tries < 200; tries++) {
        answer = await worker.call.add({ a: 1, b: 2 }).catch((e: unknown) => e)
        if (answer !== 3) await new Promise((resolve) => setTimeout(resolve, 50))
      }
      expect(answer).toBe(3)
    } finally {
      await proxy.close()
    }
  })
})
