/**
 * The NATS channels, against an in-memory stand-in for NATS (no server): how calls are
 * routed, acknowledged, kept apart and given up on. The behaviour against a real nats-server
 * is in test/process/nats.
 */
import { describe, expect, it, vi } from 'vitest'
import { defineContract, procedure, WorkerExitedError } from '@forkrpc/core'
import { createRouter, PROTOCOL_VERSION } from '@forkrpc/core/channel'
// The channels' own source, and the error classes of that same copy.
import { InstanceLostError, NoRespondersError } from '../../../packages/nats/src/errors.js'
import { CallerChannel } from '../../../packages/nats/src/caller-channel.js'
import { ServingChannel } from '../../../packages/nats/src/serving-channel.js'
import { FakeBroker, settle } from './fake-nats.js'

const contract = defineContract({
  add: procedure<{ a: number; b: number }, number>(),
  wait: procedure<number, string>(),
  read: procedure<string, string>({ idempotent: true }),
})

function serve(broker: FakeBroker, heartbeat = 1_000) {
  const connection = broker.connection()
  const channel = new ServingChannel({ connection: connection.nc, subject: 'svc', queue: 'svc', heartbeat, disconnected: () => {} })
  const aborted: string[] = []
  createRouter(
    contract,
    {
      add: ({ a, b }) => a + b,
      wait: (ms, { signal }) =>
        new Promise((resolve, reject) => {
          const timer = setTimeout(() => resolve(`waited ${ms}`), ms)
          signal.addEventListener('abort', () => {
            clearTimeout(timer)
            aborted.push((signal.reason as Error).name)
            reject(signal.reason)
          })
        }),
      read: (key) => `value of ${key}`,
    },
    channel,
  )
  return { channel, connection, aborted }
}

function caller(broker: FakeBroker, heartbeatTimeout = 1_000) {
  const connection = broker.connection()
  const channel = new CallerChannel({ connection: connection.nc, contract, subject: 'svc', heartbeatTimeout, maxHeldMessages: 10_000, maxHeldBytes: 8 << 20 })
  const heard: Array<Record<string, unknown>> = []
  channel.receive((message) => heard.push(message as Record<string, unknown>))
  return { channel, connection, heard }
}

const request = (i: string, m: string, v: unknown, extra: object = {}) => ({ $fr: PROTOCOL_VERSION, t: 'q', i, m, v, ...extra })

describe('the serving channel', () => {
  it('keeps two callers\' calls with the same id apart, and answers each on its own subject', async () => {
    const broker = new FakeBroker()
    const { channel } = serve(broker)
    const one = broker.connection()
    const two = broker.connection()
    const replies: Record<string, string[]> = { one: [], two: [] }
    one.subscribe('_INBOX.one.*', { callback: (_, msg) => replies.one?.push(msg.string()) })
    two.subscribe('_INBOX.two.*', { callback: (_, msg) => replies.two?.push(msg.string()) })
    one.publish('svc', JSON.stringify(request('a1', 'add', { a: 1, b: 2 })), { reply: '_INBOX.one.1' })
    two.publish('svc', JSON.stringify(request('a1', 'add', { a: 10, b: 20 })), { reply: '_INBOX.two.1' })
    await settle()
    expect(replies.one?.map((body) => JSON.parse(body))).toEqual([{ $fr: PROTOCOL_VERSION, t: 'r', i: 'a1', v: 3 }])
    expect(replies.two?.map((body) => JSON.parse(body))).toEqual([{ $fr: PROTOCOL_VERSION, t: 'r', i: 'a1', v: 30 }])
    // Each reply's reply subject is the instance's own subject.
    expect(broker.published.filter((p) => p.subject.startsWith('_INBOX.one')).map((p) => p.reply)).toEqual([channel.instance])
  })

  it('acknowledges a call that did not answer in the same turn, sends heartbeats while it runs, and routes its cancel by reply subject', async () => {
    const broker = new FakeBroker()
    const { channel, aborted } = serve(broker, 20)
    const client = broker.connection()
    const bodies: string[] = []
    client.subscribe('_INBOX.c.*', { callback: (_, msg) => bodies.push(`${msg.subject}:${msg.string()}`) })
    client.publish('svc', JSON.stringify(request('x', 'wait', 10_000)), { reply: '_INBOX.c.1' })
    client.publish('svc', JSON.stringify(request('x', 'wait', 10_000)), { reply: '_INBOX.c.2' })
    await settle()
    // Two acknowledgements: empty, on each call's subject, from the instance (a loaded machine may see a heartbeat already).
    expect(bodies.filter((body) => body !== '_INBOX.c._hb:')).toEqual(['_INBOX.c.1:', '_INBOX.c.2:'])
    await new Promise((resolve) => setTimeout(resolve, 60))
    expect(bodies.filter((body) => body === '_INBOX.c._hb:').length).toBeGreaterThanOrEqual(1)
    // The cancel of the second call (same caller id "x") reaches that call only.
    client.publish(channel.instance, JSON.stringify({ $fr: PROTOCOL_VERSION, t: 'c', i: 'x', r: 'a' }), { reply: '_INBOX.c.2' })
    await settle()
    expect(aborted).toEqual(['AbortError'])
    expect(bodies).toContain(`_INBOX.c.2:${JSON.stringify({ $fr: PROTOCOL_VERSION, t: 'd', i: 'x' })}`)
    expect(bodies.filter((body) => body.startsWith('_INBOX.c.1:{'))).toEqual([])
  })

  it('does not acknowledge a call that answered in the same turn: its reply is the acknowledgement', async () => {
    const broker = new FakeBroker()
    serve(broker)
    const client = broker.connection()
    const bodies: string[] = []
    client.subscribe('_INBOX.c.*', { callback: (_, msg) => bodies.push(msg.string()) })
    client.publish('svc', JSON.stringify(request('x', 'add', { a: 1, b: 1 })), { reply: '_INBOX.c.1' })
    await settle()
    expect(bodies).toEqual([JSON.stringify({ $fr: PROTOCOL_VERSION, t: 'r', i: 'x', v: 2 })])
  })
})

describe('the caller channel', () => {
  it('holds a call\'s later messages until its instance is known, then sends them there', async () => {
    const broker = new FakeBroker()
    const { channel } = caller(broker)
    const instance = broker.connection()
    const toInstance: string[] = []
    instance.subscribe('_INBOX.instance', { callback: (_, msg) => toInstance.push(`${msg.reply}:${msg.string()}`) })
    const service: Array<{ reply: string | undefined }> = []
    instance.subscribe('svc', { queue: 'svc', callback: (_, msg) => service.push({ reply: msg.reply }) })
    channel.send(request('a', 'wait', 1))
    channel.send({ $fr: PROTOCOL_VERSION, t: 'c', i: 'a', r: 'a' })
    await settle()
    expect(service).toHaveLength(1)
    expect(toInstance).toEqual([])
    instance.publish(service[0]?.reply as string, new Uint8Array(), { reply: '_INBOX.instance' })
    await settle()
    expect(toInstance).toEqual([`${service[0]?.reply}:${JSON.stringify({ $fr: PROTOCOL_VERSION, t: 'c', i: 'a', r: 'a' })}`])
  })

  it('fails a request nobody serves with NoRespondersError, and a call whose instance is gone with InstanceLostError (gone)', async () => {
    const broker = new FakeBroker()
    const { channel, heard } = caller(broker)
    channel.send(request('a', 'add', { a: 1, b: 1 }))
    await settle()
    const failure = heard[0] as { t: string; i: string; v: { value: unknown } }
    expect(failure.t).toBe('e')
    expect(failure.v.value).toBeInstanceOf(NoRespondersError)
    expect(failure.v.value).toBeInstanceOf(WorkerExitedError)
    // A call bound to an instance that left: its next message finds nobody.
    const instance = broker.connection()
    const sub = instance.subscribe('svc', { queue: 'svc', callback: (_, msg) => instance.publish(msg.reply as string, new Uint8Array(), { reply: '_INBOX.gone' }) })
    channel.send(request('b', 'wait', 1))
    await settle()
    sub.unsubscribe()
    channel.send({ $fr: PROTOCOL_VERSION, t: 'c', i: 'b', r: 'a' })
    await settle()
    const settled = heard.at(-1) as { t: string; i: string }
    // It was cancelled by its caller already: what it gets is the `d` that frees its slot.
    expect(settled).toEqual({ $fr: PROTOCOL_VERSION, t: 'd', i: 'b' })
  })

  it('fails a call still running whose instance is gone with InstanceLostError (gone), saying so', async () => {
    const broker = new FakeBroker()
    const { channel, heard } = caller(broker)
    const instance = broker.connection()
    const sub = instance.subscribe('svc', { queue: 'svc', callback: (_, msg) => instance.publish(msg.reply as string, new Uint8Array(), { reply: '_INBOX.gone' }) })
    channel.send(request('b', 'wait', 1))
    await settle()
    sub.unsubscribe()
    channel.send({ $fr: PROTOCOL_VERSION, t: 'k', i: 'b', g: 1 })
    await settle()
    const failure = heard.at(-1) as { t: string; i: string; v: { value: InstanceLostError } }
    expect(failure.t).toBe('e')
    expect(failure.v.value.reason).toBe('gone')
    expect(failure.v.value.message).toMatch(/is gone \(nobody listens on its subject any more/)
  })

  it('gives up on a silent instance after the heartbeat timeout, and retries an idempotent call once elsewhere with the time left', async () => {
    const broker = new FakeBroker()
    const { channel, heard } = caller(broker, 40)
    const instance = broker.connection()
    const requests: Array<{ reply: string | undefined; body: Record<string, unknown> }> = []
    instance.subscribe('svc', { queue: 'svc', callback: (_, msg) => {
      requests.push({ reply: msg.reply, body: msg.json() })
      instance.publish(msg.reply as string, new Uint8Array(), { reply: '_INBOX.silent' }) // acknowledges, then says nothing more
    } })
    channel.send(request('plain', 'wait', 1))
    channel.send(request('idem', 'read', 'k', { dl: 10_000 }))
    for (let waited = 0; heard.length < 2 && waited < 5_000; waited += 10) await new Promise((resolve) => setTimeout(resolve, 10))
    const lost = heard.find((m) => m.i === 'plain') as { v: { value: InstanceLostError } }
    expect(lost.v.value).toBeInstanceOf(InstanceLostError)
    expect(lost.v.value.reason).toBe('silent')
    expect(lost.v.value.instance).toBe('_INBOX.silent')
    // The idempotent call went out twice, on two call subjects, the second with less time left; then it was lost too.
    const reads = requests.filter((r) => r.body.m === 'read')
    expect(reads).toHaveLength(2)
    expect(reads[0]?.reply).not.toBe(reads[1]?.reply)
    expect(reads[1]?.body.dl as number).toBeLessThan(10_000)
    expect(requests.filter((r) => r.body.m === 'wait')).toHaveLength(1)
    expect(channel.retries).toBe(1)
    expect((heard.find((m) => m.i === 'idem') as { v: { value: unknown } }).v.value).toBeInstanceOf(InstanceLostError)
  })

  it('fails the calls in flight when its connection drops, holds the calls made meanwhile, and sends them with the time they have left when it is back', async () => {
    vi.useFakeTimers({ toFake: ['Date'], now: 1_000 })
    try {
      const broker = new FakeBroker()
      const { channel, connection, heard } = caller(broker, 50)
      const instance = broker.connection()
      const requests: Array<Record<string, unknown>> = []
      instance.subscribe('svc', { queue: 'svc', callback: (_, msg) => {
        requests.push(msg.json())
        instance.publish(msg.reply as string, new Uint8Array(), { reply: '_INBOX.i' })
      } })
      channel.send(request('a', 'wait', 1))
      await settle()
      connection.emit('disconnect')
      await settle()
      expect((heard[0] as { v: { value: InstanceLostError } }).v.value.reason).toBe('disconnected')
      channel.send(request('b', 'wait', 1, { dl: 5_000 }))
      await settle()
      expect(requests.map((r) => r.i)).toEqual(['a'])
      expect(channel.held).toBe(1)
      vi.setSystemTime(3_000)
      connection.emit('reconnect')
      await settle()
      expect(requests.map((r) => [r.i, r.dl])).toEqual([['a', undefined], ['b', 3_000]])
      expect(channel.held).toBe(0)
      expect(channel.routes).toBe(1)
    } finally {
      vi.useRealTimers()
    }
  })
})

describe('connectNats and serveNats options', () => {
  it('refuse what is not a connection, a subject with wildcards, and contracts with host procedures', async () => {
    const { connectNats, serveNats } = await import('../../../packages/nats/src/index.js')
    const nc = new FakeBroker().connection().nc
    await expect(connectNats(contract, { connection: {} as never, subject: 'svc' })).rejects.toThrow(TypeError)
    await expect(connectNats(contract, { connection: nc, subject: 'svc.*' })).rejects.toThrow(/subject/)
    await expect(serveNats(contract, { add: () => 1, wait: () => '', read: () => '' }, { connection: nc, subject: 'a b' })).rejects.toThrow(/subject/)
    await expect(connectNats(contract, { connection: nc, subject: 'svc', heartbeatTimeout: -1 })).rejects.toThrow(/heartbeatTimeout/)
    // A period of Infinity would be a 1 ms timer in Node: refused, not turned into a busy loop.
    await expect(connectNats(contract, { connection: nc, subject: 'svc', heartbeatTimeout: Infinity })).rejects.toThrow(/heartbeatTimeout must be a finite number/)
    await expect(serveNats(contract, { add: () => 1, wait: () => '', read: () => '' }, { connection: nc, subject: 'svc', heartbeat: Infinity })).rejects.toThrow(/heartbeat must be a finite number/)
    const twoWay = defineContract({ add: procedure<number, number>() }, { host: { log: procedure<string, void>() } })
    await expect(connectNats(twoWay as never, { connection: nc, subject: 'svc' })).rejects.toThrow(/host procedures/)
    // The limit in force is the server's max_payload (less room for the call id) when that is smaller.
    const small = new FakeBroker().connection(1_000).nc
    const worker = await connectNats(contract, { connection: small, subject: 'svc' })
    await expect(worker.call.add({ a: 1, b: 'x'.repeat(2_000) as never })).rejects.toMatchObject({ name: 'PayloadTooLargeError', limit: 1_000 - 64 })
    await worker.close({ grace: 0 })
  })

  it('close() refuses options that are not an object, or limits that are invalid, and a later close() still closes', async () => {
    const { connectNats, serveNats } = await import('../../../packages/nats/src/index.js')
    const broker = new FakeBroker()
    const server = await serveNats(contract, { add: ({ a, b }) => a + b, wait: () => '', read: () => '' }, { connection: broker.connection().nc, subject: 'svc' })
    const worker = await connectNats(contract, { connection: broker.connection().nc, subject: 'svc' })
    expect(await worker.call.add({ a: 1, b: 2 })).toBe(3)
    const bad: unknown[] = ['x', null, { grace: -1 }, { grace: 'soon' }]
    for (const options of bad) {
      // A promise API: rejected, never thrown.
      await expect(Promise.resolve().then(() => worker.close(options as never))).rejects.toThrow(TypeError)
      await expect(Promise.resolve().then(() => server.close(options as never))).rejects.toThrow(TypeError)
    }
    await expect(server.close({ shutdownTimeout: -5 })).rejects.toThrow(/shutdownTimeout/)
    // Nothing closed: the call still goes through, then a valid close() closes both.
    expect(await worker.call.add({ a: 2, b: 2 })).toBe(4)
    const refused = worker.close('x' as never)
    expect(refused).toBeInstanceOf(Promise)
    await expect(refused).rejects.toThrow(TypeError)
    await expect(worker.close({ grace: 0 })).resolves.toMatchObject({ code: 0 })
    await server.close({ grace: 0 })
    await expect(worker.call.add({ a: 1, b: 1 })).rejects.toThrow(/closed/)
  })
})
