/**
 * A call's place in the handler's line. A call whose request asks for a start notice (`sn`)
 * is announced when its handler starts (`go`), at once or after waiting; others never are. Taking a call back (`c`
 * with `r: 'w'`, what a pool sends to move a call out of a stuck worker's line): a call still
 * waiting for a slot leaves the line unrun and is answered `d`; a call whose handler has
 * started runs on, and the request is dropped.
 */
import { describe, expect, it, vi } from 'vitest'
import { defineContract, procedure } from '@forkrpc/core'
import { PROTOCOL_VERSION } from '@forkrpc/core/channel'
import { createMemoryChannelPair } from '@forkrpc/testing'
import { workerPeer } from '../../../packages/core/src/rpc/peer-roles.js'
import { LinePlace } from '../../../packages/core/src/rpc/line-place.js'
import { closeAfterTest, deferred, nextTurn, recorder, type RawMessage } from '../support.js'

const contract = defineContract({ held: procedure<string, string>() })

function handlerWithOneSlot() {
  const release = deferred<void>()
  const held = vi.fn(async (name: string) => (await release.promise, name))
  const { parent, child } = createMemoryChannelPair('json')
  closeAfterTest(parent)
  const peer = workerPeer(contract, { held }, child, {}, { where: 'test' })
  peer.handler.limitConcurrency(1)
  return { parent, held, release, received: recorder(parent) }
}

describe('a start notice', () => {
  it('is sent (st) when the handler of a request that asked for it (sn) starts, at once or after waiting in the line; never unasked', async () => {
    const { parent, held, release, received } = handlerWithOneSlot()
    parent.send({ $fr: PROTOCOL_VERSION, t: 'q', i: 'a', m: 'held', v: 'a', sn: true })
    parent.send({ $fr: PROTOCOL_VERSION, t: 'q', i: 'b', m: 'held', v: 'b', sn: true })
    parent.send({ $fr: PROTOCOL_VERSION, t: 'q', i: 'c', m: 'held', v: 'c' })
    await vi.waitFor(() => expect(held).toHaveBeenCalledTimes(1), { interval: 1 })
    await nextTurn()
    const notices = (): unknown[] => received.messages.filter((m) => (m as RawMessage).t === 'go')
    expect(notices()).toEqual([{ $fr: PROTOCOL_VERSION, t: 'go', i: 'a' }]) // b waits in the line
    release.resolve()
    expect(await received.reply('c')).toMatchObject({ t: 'r', v: 'c' })
    expect(notices()).toEqual([
      { $fr: PROTOCOL_VERSION, t: 'go', i: 'a' },
      { $fr: PROTOCOL_VERSION, t: 'go', i: 'b' },
    ])
  })
})

describe('a withdrawal', () => {
  it('takes a waiting call out of the line unrun, answered with d', async () => {
    const { parent, held, release, received } = handlerWithOneSlot()
    parent.send({ $fr: PROTOCOL_VERSION, t: 'q', i: 'a', m: 'held', v: 'a' })
    parent.send({ $fr: PROTOCOL_VERSION, t: 'q', i: 'b', m: 'held', v: 'b' })
    await vi.waitFor(() => expect(held).toHaveBeenCalledTimes(1), { interval: 1 })
    parent.send({ $fr: PROTOCOL_VERSION, t: 'c', i: 'b', r: 'w' })
    expect(await received.next((m) => m.i === 'b')).toEqual({ $fr: PROTOCOL_VERSION, t: 'd', i: 'b' })
    release.resolve()
    expect(await received.reply('a')).toMatchObject({ t: 'r', v: 'a' })
    await nextTurn()
    expect(held).toHaveBeenCalledTimes(1) // b never ran
  })

  it('lets a call whose handler has started run on, and answers as usual', async () => {
    const { parent, held, release, received } = handlerWithOneSlot()
    parent.send({ $fr: PROTOCOL_VERSION, t: 'q', i: 'a', m: 'held', v: 'a' })
    await vi.waitFor(() => expect(held).toHaveBeenCalledTimes(1), { interval: 1 })
    parent.send({ $fr: PROTOCOL_VERSION, t: 'c', i: 'a', r: 'w' })
    await nextTurn()
    release.resolve()
    expect(await received.reply('a')).toMatchObject({ t: 'r', v: 'a' })
    expect(received.messages.filter((m) => (m as RawMessage).t === 'd')).toHaveLength(0)
  })
})

describe('LinePlace', () => {
  it('asks once, and only after the caller side has attached it to a sent call', () => {
    const place = new LinePlace(true)
    expect(place.request()).toBe(false) // not sent yet
    expect(place.requested).toBe(false)
    const send = vi.fn(() => true)
    place.attach(send)
    expect(place.request()).toBe(true)
    expect(place.request()).toBe(false)
    expect(send).toHaveBeenCalledOnce()
  })

  it('never asks for a call that may not move, nor for one whose handler has started', () => {
    const fixed = new LinePlace(false)
    fixed.attach(() => true)
    expect(fixed.request()).toBe(false)
    const started = new LinePlace(true)
    started.attach(() => true)
    started.started(10)
    started.started(20) // the first start counts
    expect(started.startedAt).toBe(10)
    expect(started.request()).toBe(false)
  })
})
