import { describe, expect, it, vi } from 'vitest'
import { defineContract, procedure } from '@forkrpc/core'
import { createClient, createRouter, PROTOCOL_VERSION, type Channel } from '@forkrpc/core/channel'
import { createMemoryChannelPair } from '@forkrpc/testing'
// Internal modules, tested directly: they are not part of the public surface.
import { BatchingSender, FLUSH_AT, type RawSend } from '../../../packages/core/src/channel/batching-sender.js'
import { MAX_BATCH, unpackingBatches } from '../../../packages/core/src/protocol/batch.js'
import { readMessage } from '../../../packages/core/src/protocol/read-message.js'
import { closeAfterTest, recorder } from '../support.js'

/**
 * A raw send that records what is written; each write completes when the test says, and the
 * pipe reports full (send() returns false) while `full` is set.
 */
function fakeWrite(refuse: (message: object) => boolean = () => false) {
  const written: object[] = []
  const callbacks: Array<(error: Error | null) => void> = []
  const pipe = { full: false }
  const write: RawSend = (message, done) => {
    if (refuse(message)) throw new TypeError('cannot serialize')
    written.push(message)
    callbacks.push(done)
    return !pipe.full
  }
  /** Completes every write under way (as Node does on the next tick or once the pipe drains). */
  const complete = (error: Error | null = null): void => {
    for (const done of callbacks.splice(0)) done(error)
  }
  return { write, written, complete, pipe }
}

const q = (i: number) => ({ $fr: PROTOCOL_VERSION, t: 'q', i: String(i), m: 'add', v: { a: i, b: 0 } })
const batchOf = (messages: unknown[]) => ({ $fr: PROTOCOL_VERSION, t: 'b', p: messages })
/** The end of the current turn: the microtasks queued so far have run. */
const endOfTurn = () => new Promise<void>((resolve) => setImmediate(resolve))

describe('the batching sender', () => {
  it('writes a lone message at the end of the turn, as it is', async () => {
    const fake = fakeWrite()
    const sender = new BatchingSender(fake.write)
    sender.send(q(1))
    expect(fake.written).toEqual([])
    await Promise.resolve()
    expect(fake.written).toEqual([q(1)])
  })

  it('writes everything sent in one turn as one batch, in order', async () => {
    const fake = fakeWrite()
    const sender = new BatchingSender(fake.write)
    for (let i = 1; i <= 5; i++) sender.send(q(i))
    await endOfTurn()
    expect(fake.written).toEqual([batchOf([q(1), q(2), q(3), q(4), q(5)])])
    sender.send(q(6)) // a new turn, a new write
    await endOfTurn()
    expect(fake.written.at(-1)).toEqual(q(6))
  })

  it(`writes a queue of ${FLUSH_AT} at once, without waiting for the end of the turn`, () => {
    const fake = fakeWrite()
    const sender = new BatchingSender(fake.write)
    for (let i = 0; i < FLUSH_AT - 1; i++) sender.send(q(i))
    expect(fake.written).toEqual([])
    sender.send(q(FLUSH_AT - 1))
    expect(fake.written).toEqual([batchOf(Array.from({ length: FLUSH_AT }, (_, i) => q(i)))])
  })

  it('while the pipe is full, holds the queue until a write completes, and then writes it as one batch', async () => {
    const fake = fakeWrite()
    const sender = new BatchingSender(fake.write)
    fake.pipe.full = true
    sender.send(q(1))
    await endOfTurn()
    expect(fake.written).toEqual([q(1)]) // written; the pipe says it is full
    for (let i = 2; i <= FLUSH_AT + 5; i++) sender.send(q(i))
    await endOfTurn()
    expect(fake.written).toEqual([q(1)]) // held, past FLUSH_AT too
    fake.pipe.full = false
    fake.complete()
    expect(fake.written).toEqual([q(1), batchOf(Array.from({ length: FLUSH_AT + 4 }, (_, i) => q(i + 2)))])
  })

  it(`splits a long queue into batches of at most ${MAX_BATCH}, in order`, () => {
    const fake = fakeWrite()
    const sender = new BatchingSender(fake.write)
    fake.pipe.full = true // hold it all
    sender.send(q(0))
    sender.flushNow()
    const total = 2 * MAX_BATCH + 7
    for (let i = 1; i <= total; i++) sender.send(q(i))
    sender.flushNow()
    const sizes = fake.written.slice(1).map((message) => (message as { p: object[] }).p.length)
    expect(sizes).toEqual([MAX_BATCH, MAX_BATCH, 7])
    const ids = fake.written.flatMap((message) => ((message as { t: string }).t === 'b' ? (message as { p: Array<{ i: string }> }).p : [message as { i: string }])).map((m) => Number(m.i))
    expect(ids).toEqual(Array.from({ length: total + 1 }, (_, i) => i))
  })

  it('reports a lone message that cannot be serialized to its listener, and does not throw', async () => {
    const fake = fakeWrite(() => true)
    const sender = new BatchingSender(fake.write)
    const onUnsendable = vi.fn()
    expect(() => sender.send(q(1), onUnsendable)).not.toThrow()
    await endOfTurn()
    expect(onUnsendable).toHaveBeenCalledOnce()
    expect(onUnsendable.mock.calls[0]?.[0]).toBeInstanceOf(TypeError)
  })

  it('reports only the message of a batch that cannot be serialized, and writes the others in order', async () => {
    const bad = q(3)
    const fake = fakeWrite((message) => message === bad || (message as { p?: unknown[] }).p?.includes(bad) === true)
    const sender = new BatchingSender(fake.write)
    const reports: Array<[unknown, object]> = []
    const onUnsendable = (error: unknown, message: object) => reports.push([error, message])
    for (const message of [q(1), q(2), bad, q(4)]) sender.send(message, onUnsendable)
    await endOfTurn()
    expect(fake.written).toEqual([q(1), q(2), q(4)])
    expect(reports).toHaveLength(1)
    expect(reports[0]?.[1]).toBe(bad)
    expect(reports[0]?.[0]).toBeInstanceOf(TypeError)
  })

  it('carries on after a failed write (a peer that is gone) without throwing', async () => {
    const fake = fakeWrite()
    const sender = new BatchingSender(fake.write)
    sender.send(q(1))
    await endOfTurn()
    expect(() => fake.complete(Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }))).not.toThrow()
    sender.send(q(2))
    await endOfTurn()
    expect(fake.written).toEqual([q(1), q(2)])
  })

  const r = (i: number) => ({ $fr: PROTOCOL_VERSION, t: 'e', i: String(i), v: { name: 'UnknownProcedureError', message: 'nope' } })

  it('keeps at most its backlog limit of messages for a peer that does not read, then drops them all and reports it once', async () => {
    const fake = fakeWrite()
    const overflow = vi.fn()
    const sender = new BatchingSender(fake.write, { max: 100, overflow })
    fake.pipe.full = true
    sender.send(r(0))
    await endOfTurn() // written; the pipe is full from now on
    for (let i = 1; i <= 100; i++) sender.send(r(i))
    expect(overflow).not.toHaveBeenCalled()
    sender.send(r(101))
    expect(overflow).toHaveBeenCalledExactlyOnceWith(101)
    for (let i = 102; i <= 300; i++) sender.send(r(i))
    expect(overflow).toHaveBeenCalledOnce()
    fake.pipe.full = false
    fake.complete()
    expect(fake.written).toEqual([r(0)]) // nothing of the backlog is written once dropped
  })

  it("does not count this side's own requests and cancellations against the backlog: its pending calls bound them", async () => {
    const fake = fakeWrite()
    const overflow = vi.fn()
    const sender = new BatchingSender(fake.write, { max: 10, overflow })
    fake.pipe.full = true
    sender.send(q(0))
    await endOfTurn()
    for (let i = 1; i <= 50; i++) sender.send(i % 2 === 0 ? q(i) : { $fr: PROTOCOL_VERSION, t: 'c', i: String(i), r: 't' })
    for (let i = 1; i <= 10; i++) sender.send(r(i))
    expect(overflow).not.toHaveBeenCalled()
    fake.pipe.full = false
    fake.complete()
    expect((fake.written[1] as { p: unknown[] }).p).toHaveLength(60)
  })

  it('counts the backlog afresh once the peer reads again', async () => {
    const fake = fakeWrite()
    const overflow = vi.fn()
    const sender = new BatchingSender(fake.write, { max: 50, overflow })
    for (let round = 0; round < 5; round++) {
      fake.pipe.full = true
      sender.send(r(0))
      await endOfTurn()
      for (let i = 1; i <= 50; i++) sender.send(r(i)) // 50 wait: at the limit, not over it
      fake.pipe.full = false
      fake.complete()
    }
    expect(overflow).not.toHaveBeenCalled()
  })

  it('flushNow() writes the queue at once, in order, full pipe or not', () => {
    const fake = fakeWrite()
    const sender = new BatchingSender(fake.write)
    fake.pipe.full = true
    for (let i = 1; i <= 3; i++) sender.send(q(i))
    sender.flushNow()
    expect(fake.written).toEqual([batchOf([q(1), q(2), q(3)])])
  })

  it('flushed() resolves once everything sent has been written', async () => {
    const fake = fakeWrite()
    const sender = new BatchingSender(fake.write)
    await sender.flushed() // nothing sent: at once
    sender.send(q(1))
    sender.send(q(2))
    let flushed = false
    void sender.flushed().then(() => (flushed = true))
    await endOfTurn() // the batch is written, its write not complete yet
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
    expect(readMessage({ $fr: PROTOCOL_VERSION, t: 'b', p: { 0: q(1) } })).toBe(false)
    expect(readMessage({ $fr: PROTOCOL_VERSION, t: 'b', p: 'q' })).toBe(false)
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

describe('batches on a channel that does not unpack them', () => {
  it('are unpacked by the peer: a batch of replies on a memory channel settles the calls', async () => {
    const contract = defineContract({ add: procedure<{ a: number; b: number }, number>() })
    const { parent, child } = createMemoryChannelPair('json')
    closeAfterTest(parent)
    const client = createClient(contract, parent)
    const requests = recorder(child)
    const calls = [client.call.add({ a: 1, b: 1 }), client.call.add({ a: 2, b: 2 })]
    await vi.waitFor(() => expect(requests.messages).toHaveLength(2), { interval: 1 })
    const [first, second] = requests.messages as Array<{ i: string }>
    child.send(batchOf([{ $fr: PROTOCOL_VERSION, t: 'r', i: second?.i, v: 'second' }, { stray: 1 }, batchOf([]), { $fr: PROTOCOL_VERSION, t: 'r', i: first?.i, v: 'first' }]))
    expect(await Promise.all(calls)).toEqual(['first', 'second'])
  })
})
