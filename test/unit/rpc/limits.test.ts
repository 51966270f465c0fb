/**
 * maxMessageBytes and maxPending on the in-memory pair: typed errors, nothing sent for a
 * refused call, and the pair goes on working afterwards.
 */
import { describe, expect, it, vi } from 'vitest'
import { defineContract, PayloadTooLargeError, procedure, TooManyPendingCallsError, type Serialization } from '@forkrpc/core'
import { createClient, createRouter, PROTOCOL_VERSION } from '@forkrpc/core/channel'
import { createMemoryChannelPair } from '@forkrpc/testing'
import { closeAfterTest, deferred, pairFor, recorder, replyPayload } from '../support.js'

const contract = defineContract({
  echo: procedure<unknown, unknown>(),
  big: procedure<number, string>(),
  held: procedure<void, string>(),
})

const serializations: Serialization[] = ['json', 'advanced']

describe.each(serializations)('maxMessageBytes on %s', (serialization) => {
  it('rejects a call whose input is too large with PayloadTooLargeError, before anything is sent', async () => {
    const { parent, child } = createMemoryChannelPair(serialization)
    closeAfterTest(parent)
    const seen = recorder(child)
    const client = createClient(contract, parent, { maxMessageBytes: 1_000 })
    const error = await client.call.echo('x'.repeat(2_000)).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(PayloadTooLargeError)
    expect(error).toMatchObject({ code: 'ERR_FORKRPC_PAYLOAD_TOO_LARGE', procedure: 'echo', role: 'input', limit: 1_000 })
    expect((error as PayloadTooLargeError).bytes).toBeGreaterThan(2_000)
    expect(client.pending).toBe(0)
    await new Promise((resolve) => setImmediate(resolve))
    expect(seen.messages).toEqual([])
  })

  it('measures what crosses the channel: a payload just under the limit goes, one just over does not', async () => {
    const pair = pairFor(contract, { echo: (v) => v, big: (n) => 'y'.repeat(n), held: async () => 'ok' }, { serialization, maxMessageBytes: 4_096 })
    await expect(pair.call.echo('a'.repeat(3_900))).resolves.toHaveLength(3_900)
    await expect(pair.call.echo('a'.repeat(4_100))).rejects.toBeInstanceOf(PayloadTooLargeError)
    // Non-ASCII text counts in bytes (3 each in UTF-8, 2 in v8's two-byte strings), not characters.
    await expect(pair.call.echo('€'.repeat(2_100))).rejects.toBeInstanceOf(PayloadTooLargeError)
    await expect(pair.call.echo({ when: new Date(0), list: new Array(50).fill(1n) })).resolves.toEqual({ when: new Date(0), list: new Array(50).fill(1n) })
  })

  it('refuses a result that is too large with PayloadTooLargeError; the worker goes on', async () => {
    const pair = pairFor(contract, { echo: (v) => v, big: (n) => 'y'.repeat(n), held: async () => 'ok' }, { serialization, maxMessageBytes: 10_000 })
    const error = await pair.call.big(20_000).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(PayloadTooLargeError)
    expect(error).toMatchObject({ procedure: 'big', role: 'result', limit: 10_000 })
    await expect(pair.call.big(10)).resolves.toBe('y'.repeat(10))
  })

  it('a router refuses an incoming request over its limit with an error reply, and runs nothing', async () => {
    const { parent, child } = createMemoryChannelPair(serialization)
    closeAfterTest(parent)
    const echo = vi.fn((value: unknown) => value)
    createRouter(contract, { echo, big: (n) => 'y'.repeat(n), held: async () => 'ok' }, child, { maxMessageBytes: 1_000 })
    const received = recorder(parent)
    parent.send({ $fr: PROTOCOL_VERSION, t: 'q', i: 'big-1', m: 'echo', v: 'z'.repeat(5_000) })
    const reply = await received.reply('big-1')
    expect(reply.t).toBe('e')
    expect(replyPayload(reply)).toMatchObject({ name: 'PayloadTooLargeError' })
    expect(echo).not.toHaveBeenCalled()
    parent.send({ $fr: PROTOCOL_VERSION, t: 'q', i: 'small-1', m: 'echo', v: 'ok' })
    expect((await received.reply('small-1')).t).toBe('r')
  })

  it('a client rejects a reply over its limit with PayloadTooLargeError', async () => {
    const { parent, child } = createMemoryChannelPair(serialization)
    closeAfterTest(parent)
    // The router allows more than the client accepts.
    createRouter(contract, { echo: (v) => v, big: (n) => 'y'.repeat(n), held: async () => 'ok' }, child, { maxMessageBytes: 1e6 })
    const client = createClient(contract, parent, { maxMessageBytes: 1_000 })
    const error = await client.call.big(5_000).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(PayloadTooLargeError)
    expect(error).toMatchObject({ role: 'result', limit: 1_000 })
    expect(client.pending).toBe(0)
  })
})

describe('maxPending', () => {
  it('rejects calls beyond it at once with TooManyPendingCallsError, and takes calls again once some settle', async () => {
    const gate = deferred<string>()
    const pair = pairFor(contract, { echo: (v) => v, big: (n) => 'y'.repeat(n), held: () => gate.promise }, { maxPending: 3 })
    const held = [pair.call.held(), pair.call.held(), pair.call.held()]
    const error = await pair.call.echo(1).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(TooManyPendingCallsError)
    expect(error).toMatchObject({ code: 'ERR_FORKRPC_TOO_MANY_PENDING', procedure: 'echo', limit: 3 })
    gate.resolve('done')
    await expect(Promise.all(held)).resolves.toEqual(['done', 'done', 'done'])
    await expect(pair.call.echo(1)).resolves.toBe(1)
  })

  it('has a default that a normal batch does not meet', async () => {
    const pair = pairFor(contract, { echo: (v) => v, big: (n) => 'y'.repeat(n), held: async () => 'ok' })
    const results = await Promise.all(Array.from({ length: 2_000 }, (_, i) => pair.call.echo(i)))
    expect(results[1_999]).toBe(1_999)
  })
})

describe('limit options', () => {
  it.each([0, -1, Number.NaN, '10'])('refuses %j with a TypeError', (bad) => {
    const { parent, child } = createMemoryChannelPair()
    closeAfterTest(parent)
    expect(() => createClient(contract, parent, { maxPending: bad as number })).toThrow(TypeError)
    expect(() => createClient(contract, parent, { maxMessageBytes: bad as number })).toThrow(TypeError)
    expect(() => createRouter(contract, { echo: (v) => v, big: (n) => 'y'.repeat(n), held: async () => 'ok' }, child, { maxMessageBytes: bad as number })).toThrow(TypeError)
  })

  it('Infinity turns the size check off', async () => {
    const pair = pairFor(contract, { echo: (v) => v, big: (n) => 'y'.repeat(n), held: async () => 'ok' }, { maxMessageBytes: Infinity, maxPending: Infinity })
    await expect(pair.call.big(100_000)).resolves.toHaveLength(100_000)
  })
})
