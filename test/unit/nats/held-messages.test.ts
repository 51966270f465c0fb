/**
 * The buffer a caller holds messages in while its connection to NATS is down: bounded by
 * count and by bytes, in order, calls dropped whole (and the queue compacted as they are).
 */
import { describe, expect, it } from 'vitest'
import { HeldMessages, type Held } from '../../../packages/nats/src/held-messages.js'

const message = (call: string | undefined, bytes = 10): Held & { id: number } => ({ call, bytes, id: ++ids })
let ids = 0

describe('HeldMessages', () => {
  it('holds in order up to its count and byte limits, and says which one a message would pass', () => {
    const held = new HeldMessages<Held & { id: number }>({ maxMessages: 3, maxBytes: 100 })
    held.disconnect()
    const a = message('a', 40)
    const b = message(undefined, 50)
    expect(held.hold(a)).toBeUndefined()
    expect(held.hold(b)).toBeUndefined()
    expect(held.hold(message('c', 11))).toBe('bytes')
    expect(held.hold(message('c', 200))).toBe('bytes')
    const c = message('c', 10)
    expect(held.hold(c)).toBeUndefined()
    expect(held.hold(message('d', 0))).toBe('messages')
    expect([held.size, held.bytes]).toEqual([3, 100])
    expect(held.reconnect()).toEqual([a, b, c])
    expect([held.state, held.size, held.bytes]).toEqual(['up', 0, 0])
  })

  it("drops a call's messages and frees their room; the rest keep their order, however many calls come and go", () => {
    const held = new HeldMessages<Held & { id: number }>({ maxMessages: 8, maxBytes: 1_000 })
    held.disconnect()
    const kept = [message(undefined)]
    expect(held.hold(kept[0]!)).toBeUndefined()
    for (let i = 0; i < 1_000; i++) {
      // A call held and dropped (cancelled): the queue would grow without compaction.
      expect(held.hold(message(`c${i}`))).toBeUndefined()
      expect(held.hold(message(`c${i}`))).toBeUndefined()
      held.drop(`c${i}`)
      if (i % 200 === 0) {
        const survivor = message(`s${i}`)
        kept.push(survivor)
        expect(held.hold(survivor)).toBeUndefined()
      }
    }
    expect([held.size, held.bytes]).toEqual([kept.length, kept.length * 10])
    expect(held.reconnect()).toEqual(kept)
  })

  it('gives back nothing to send once closed for good, and holds nothing after it', () => {
    const held = new HeldMessages<Held & { id: number }>({ maxMessages: 3, maxBytes: 100 })
    held.disconnect()
    held.hold(message('a'))
    expect(held.close()).toHaveLength(1)
    expect(held.state).toBe('closed')
    held.disconnect()
    expect(held.state).toBe('closed')
    expect(held.reconnect()).toEqual([])
  })
})
