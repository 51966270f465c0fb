/**
 * A call waiting in the handler's line (a pool's `prefetch`) whose deadline passes while a
 * synchronous handler ahead of it keeps the event loop busy: its deadline timer could not
 * fire, yet it must not start once the slot frees; it fails with TimeoutError, unrun.
 */
import { describe, expect, it, vi } from 'vitest'
import { defineContract, procedure } from '@forkrpc/core'
import { PROTOCOL_VERSION } from '@forkrpc/core/channel'
import { createMemoryChannelPair } from '@forkrpc/testing'
import { workerPeer } from '../../../packages/core/src/rpc/peer-roles.js'
import { closeAfterTest, deferred, nextTurn, recorder } from '../support.js'

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
