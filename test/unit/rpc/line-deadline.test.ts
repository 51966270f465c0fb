/**
 * The handler side's line (a pool's `concurrency` and `prefetch`) behind synchronous,
 * CPU-bound handlers. A call whose deadline passes while a handler ahead of it keeps the event
 * loop busy (its deadline timer could not fire) does not start once the slot frees: it fails
 * with TimeoutError, unrun. After a handler that kept the loop, the next call starts only
 * once the loop has turned: the replies queued meanwhile leave first, and what arrived
 * meanwhile (a cancel of that call) is read first.
 */
import { describe, expect, it, vi } from 'vitest'
import { defineContract, procedure } from '@forkrpc/core'
import { PROTOCOL_VERSION } from '@forkrpc/core/channel'
import { createMemoryChannelPair } from '@forkrpc/testing'
import { workerPeer } from '../../../packages/core/src/rpc/peer-roles.js'
import { closeAfterTest, deferred, nextTurn, recorder, type RawMessage } from '../support.js'

const contract = defineContract({ held: procedure<string, string>() })

/** Busy-waits `ms`: the event loop (and so every timer) waits too. */
function spin(ms: number): void {
  const until = Date.now() + ms
  while (Date.now() < until) {
    // a synchronous handler's work
  }
}

describe('a call waiting in the line', () => {
  it('does not start once its deadline passed behind a synchronous handler: it fails with TimeoutError, unrun', async () => {
    const release = deferred<void>()
    const held = vi.fn(async (name: string) => {
      if (name === 'a') {
        await release.promise
        spin(60) // b's deadline (20 ms) passes here, and its timer cannot fire
      }
      return name
    })
    const { parent, child } = createMemoryChannelPair('json')
    closeAfterTest(parent)
    workerPeer(contract, { held }, child, {}, { where: 'test' }).handler.limitConcurrency(1)
    const received = recorder(parent)
    parent.send({ $fr: PROTOCOL_VERSION, t: 'q', i: 'a', m: 'held', v: 'a' })
    parent.send({ $fr: PROTOCOL_VERSION, t: 'q', i: 'b', m: 'held', v: 'b', dl: 20 })
    await vi.waitFor(() => expect(held).toHaveBeenCalledTimes(1), { interval: 1 })
    await nextTurn() // b is in the line
    release.resolve()
    expect(await received.reply('a')).toMatchObject({ t: 'r', v: 'a' })
    const b = await received.reply('b')
    expect(b).toMatchObject({ t: 'e' })
    expect(JSON.stringify(b)).toContain('TimeoutError')
    expect(held).toHaveBeenCalledTimes(1) // b never ran
  })
})

describe('after a handler that kept the event loop', () => {
  /** A worker side with one slot whose `spin` handler busy-waits; what its parent has received. */
  function spinningWorker() {
    const { parent, child } = createMemoryChannelPair('json')
    closeAfterTest(parent)
    const received = recorder(parent)
    const starts: Array<{ name: string; repliesSeen: string[] }> = []
    const spin = vi.fn((name: string) => {
      starts.push({ name, repliesSeen: received.messages.filter((m) => (m as RawMessage).t === 'r').map((m) => String((m as RawMessage).i)) })
      spin60()
      return name
    })
    workerPeer(defineContract({ spin: procedure<string, string>() }), { spin }, child, {}, { where: 'test' }).handler.limitConcurrency(1)
    return { parent, received, starts, spin }
  }
  const spin60 = (): void => spin(60)
  /** Requests read in one go (one IPC read: a batch), as a worker reads what came while it was blocked. */
  const batch = (...messages: object[]) => ({ $fr: PROTOCOL_VERSION, t: 'b', p: messages })

  it('starts the next call once the event loop has turned: the reply before it has left', async () => {
    const { parent, received, starts } = spinningWorker()
    parent.send(batch({ $fr: PROTOCOL_VERSION, t: 'q', i: 'a', m: 'spin', v: 'a' }, { $fr: PROTOCOL_VERSION, t: 'q', i: 'b', m: 'spin', v: 'b', sn: true }))
    expect(await received.reply('b')).toMatchObject({ t: 'r', v: 'b' })
    expect(starts.map((start) => start.name)).toEqual(['a', 'b'])
    expect(starts[1]?.repliesSeen).toEqual(['a'])
  })

  it('reads what came meanwhile before the next call starts: a cancel of that call keeps it from running', async () => {
    const { parent, received, spin } = spinningWorker()
    parent.send(
      batch(
        { $fr: PROTOCOL_VERSION, t: 'q', i: 'a', m: 'spin', v: 'a' },
        { $fr: PROTOCOL_VERSION, t: 'q', i: 'b', m: 'spin', v: 'b' },
        { $fr: PROTOCOL_VERSION, t: 'c', i: 'b', r: 'a' },
      ),
    )
    expect(await received.next((m) => m.i === 'b')).toEqual({ $fr: PROTOCOL_VERSION, t: 'd', i: 'b' })
    expect(spin).toHaveBeenCalledTimes(1)
  })
})
