import { describe, expect, it, vi } from 'vitest'
import { defineContract, procedure } from '@forkrpc/core'
import { createClient, createRouter, PROTOCOL_VERSION, type Channel } from '@forkrpc/core/channel'
import { createMemoryChannelPair } from '@forkrpc/testing'
// Internal modules, tested directly: they are not part of the public surface.
import { createBatchingSender as createCoalescingSender, type RawSend } from '../../../packages/core/src/channel/batching-sender.js'
import { MAX_BATCH, unpackingBatches } from '../../../packages/core/src/protocol/batch.js'
import { readMessage } from '../../../packages/core/src/protocol/read-message.js'
import { closeAfterTest, recorder } from '../support.js'

/** A raw send that records what is written and completes each write when the test says. */
function fakeWrite(refuse: (message: object) => boolean = () => false) {
  const written: object[] = []
  const callbacks: Array<(error: Error | null) => void> = []
  const write: RawSend = (message, done) => {
    if (refuse(message)) throw new TypeError('cannot serialize')
    written.push(message)
    callbacks.push(done)
  }
  /** Completes every write under way (as Node does on the next tick or once the pipe drains). */
  const complete = (error: Error | null = null): void => {
    for (const done of callbacks.splice(0)) done(error)
  }
  return { write, written, complete }
}

const q = (i: number) => ({ $fr: PROTOCOL_VERSION, t: 'q', i: String(i), m: 'add', v: { a: i, b: 0 } })
const batchOf = (messages: unknown[]) => ({ $fr: PROTOCOL_VERSION, t: 'b', p: messages })

describe('the coalescing sender', () => {
  it('writes a lone message at once, as it is', () => {
    const fake = fakeWrite()
    const sender = createCoalescingSender(fake.write)
    sender.send(q(1))
    expect(fake.written).toEqual([q(1)])
  })

  it('packs the messages sent while a write is under way into one batch, in order, once that write completes', () => {
    const fake = fakeWrite()
    const sender = createCoalescingSender(fake.write)
    for (let i = 1; i <= 5; i++) sender.send(q(i))
    expect(fake.written).toEqual([q(1)])
    fake.complete()
    expect(fake.written).toEqual([q(1), batchOf([q(2), q(3), q(4), q(5)])])
    fake.complete()
    sender.send(q(6)) // nothing under way again: at once
    expect(fake.written.at(-1)).toEqual(q(6))
  })

  it('sends a queue of one as the message itself, not a batch', () => {
    const fake = fakeWrite()
    const sender = createCoalescingSender(fake.write)
    sender.send(q(1))
    sender.send(q(2))
    fake.complete()
    expect(fake.written).toEqual([q(1), q(2)])
  })

  it(`splits a long queue into batches of at most ${MAX_BATCH}, in order`, () => {
    const fake = fakeWrite()
    const sender = createCoalescingSender(fake.write)
    const total = 2 * MAX_BATCH + 7
    for (let i = 0; i <= total; i++) sender.send(q(i))
    for (let round = 0; round < 4; round++) fake.complete()
    const sizes = fake.written.slice(1).map((message) => (message as { p: object[] }).p.length)
    expect(sizes).toEqual([MAX_BATCH, MAX_BATCH, 7])
    const ids = fake.written.flatMap((message) => ((message as { t: string }).t === 'b' ? (message as { p: Array<{ i: string }> }).p : [message as { i: string }])).map((m) => Number(m.i))
    expect(ids).toEqual(Array.from({ length: total + 1 }, (_, i) => i))
  })

  it('throws for a lone message that cannot be serialized, and does not report it too', () => {
    const fake = fakeWrite(() => true)
    const sender = createCoalescingSender(fake.write)
    const onUnsendable = vi.fn()
    expect(() => sender.send(q(1), onUnsendable)).toThrow('cannot serialize')
    expect(onUnsendable).not.toHaveBeenCalled()
  })

  it('reports only the queued message that cannot be serialized, and writes the others in order', () => {
    const bad = q(3)
    const fake = fakeWrite((message) => message === bad || (message as { p?: unknown[] }).p?.includes(bad) === true)
    const sender = createCoalescingSender(fake.write)
    const reports: Array<[unknown, object]> = []
    const onUnsendable = (error: unknown, message: object) => reports.push([error, message])
    for (const message of [q(1), q(2), bad, q(4)]) sender.send(message, onUnsendable)
    fake.complete()
    expect(fake.written).toEqual([q(1), q(2), q(4)])
    expect(reports).toHaveLength(1)
    expect(reports[0]?.[1]).toBe(bad)
    expect(reports[0]?.[0]).toBeInstanceOf(TypeError)
  })

  it('carries on after a failed write (a peer that is gone) without throwing', () => {
    const fake = fakeWrite()
    const sender = createCoalescingSender(fake.write)
    sender.send(q(1))
    sender.send(q(2))
    expect(() => fake.complete(Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }))).not.toThrow()
    expect(fake.written).toEqual([q(1), q(2)])
  })

  it('flushNow() writes the queue at once, in order, without waiting for the write under way', () => {
    const fake = fakeWrite()
    const sender = createCoalescingSender(fake.write)
    for (let i = 1; i <= 3; i++) sender.send(q(i))
    sender.flushNow()
    expect(fake.written).toEqual([q(1), batchOf([q(2), q(3)])])
  })

  it('flushed() resolves once everything sent has been written', async () => {
    const fake = fakeWrite()
    const sender = createCoalescingSender(fake.write)
    await sender.flushed() // nothing sent: at once
    sender.send(q(1))
    sender.send(q(2))
    let flushed = false
    void sender.flushed().then(() => (flushed = true))
    fake.complete() // q(1) written, the batch of q(2) under way
    await Promise.resolve()
    expect(flushed).toBe(false)
    fake.complete()
    await Promise.resolve()
    expect(flushed).toBe(true)
  })
})

describe('batch messages', () => {
  it('are forkrpc messages with an array of messages; anything else is malformed', () => {
    expect(readMessage(batchOf([q(1)]))).toEqual(batchOf([q(1)]))
    expect(readMessage({ $fr: PROTOCOL_VERSION, t: 'b' })).toBe(false)
    expect(readMessage({ $fr: PROTOCOL_VERSION, t: 'b', m: { 0: q(1) } })).toBe(false)
    expect(readMessage({ $fr: PROTOCOL_VERSION, t: 'b', m: 'q' })).toBe(false)
  })

  it('are unpacked into their messages, in order', () => {
    const listener = vi.fn()
    unpackingBatches(listener)(batchOf([q(1), q(2), q(3)]))
    expect(listener.mock.calls.map(([message]) => message)).toEqual([q(1), q(2), q(3)])
  })

  it('lose what inside them is not a forkrpc message (foreign messages, nested batches) and keep the rest', () => {
    const listener = vi.fn()
    unpackingBatches(listener)(batchOf([q(1), { hello: 'world' }, 'text', null, 7, batchOf([q(9)]), q(2)]))
    expect(listener.mock.calls.map(([message]) => message)).toEqual([q(1), q(2)])
  })

  it('pass malformed batches and every other message on unchanged', () => {
    const listener = vi.fn()
    const unpacking = unpackingBatches(listener)
    const others = [{ $fr: PROTOCOL_VERSION, t: 'b', p: 'not a list' }, { $fr: PROTOCOL_VERSION + 1, t: 'b', p: [q(1)] }, { t: 'b', p: [q(1)] }, q(5), 'text', null]
    for (const message of others) unpacking(message)
    expect(listener.mock.calls.map(([message]) => message)).toEqual(others)
  })

  it('reach the router as calls answered in order; a malformed batch and foreign entries change nothing', async () => {
    const contract = defineContract({ add: procedure<{ a: number; b: number }, number>() })
    const { parent, child } = createMemoryChannelPair('json')
    closeAfterTest(parent)
    // The child end unpacks batches as the fork channel does.
    const unpackingChild: Channel = { ...child, send: (message) => child.send(message), receive: (listener) => child.receive(unpackingBatches(listener)), onClose: (listener) => child.onClose(listener) }
    const handler = vi.fn(({ a, b }: { a: number; b: number }) => a + b)
    createRouter(contract, { add: handler }, unpackingChild)
    const replies = recorder(parent)
    parent.send({ $fr: PROTOCOL_VERSION, t: 'b', m: 'not a list' })
    parent.send(batchOf([q(1), { foreign: true }, q(2), batchOf([q(99)]), q(3)]))
    const answers = () => replies.messages.filter((m) => (m as { t?: string }).t === 'r') as Array<{ i: string; v: number }>
    await vi.waitFor(() => expect(answers()).toHaveLength(3), { interval: 1 })
    expect(answers().map(({ i, v }) => [i, v])).toEqual([['1', 1], ['2', 2], ['3', 3]])
    expect(handler.mock.calls.map(([input]) => input.a)).toEqual([1, 2, 3])
  })

  it('of replies settle the client calls they answer', async () => {
    const contract = defineContract({ add: procedure<{ a: number; b: number }, number>() })
    const { parent, child } = createMemoryChannelPair('json')
    closeAfterTest(parent)
    const unpackingParent: Channel = { ...parent, send: (message) => parent.send(message), receive: (listener) => parent.receive(unpackingBatches(listener)), onClose: (listener) => parent.onClose(listener) }
    const client = createClient(contract, unpackingParent)
    const requests = recorder(child)
    const calls = [client.call.add({ a: 1, b: 1 }), client.call.add({ a: 2, b: 2 })]
    await vi.waitFor(() => expect(requests.messages).toHaveLength(2), { interval: 1 })
    const [first, second] = requests.messages as Array<{ i: string }>
    child.send(batchOf([{ $fr: PROTOCOL_VERSION, t: 'r', i: second?.i, v: 'second' }, { stray: 1 }, { $fr: PROTOCOL_VERSION, t: 'r', i: first?.i, v: 'first' }]))
    expect(await Promise.all(calls)).toEqual(['first', 'second'])
  })
})
