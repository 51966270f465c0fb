/**
 * The size check's walk (maxMessageBytes) runs on every message received, before anything
 * else reads it: its work must follow the bytes that carried the message, not the values
 * structured clone builds from them. Counted by reading through Proxies, not by a clock.
 */
import { describe, expect, it } from 'vitest'
import { PROTOCOL_VERSION } from '@forkrpc/core/channel'
import { sizeChecker } from '../../../packages/core/src/protocol/limits.js'

/** `target` behind a Proxy that counts the reads of its entries (indexes and keys, not `length`). */
function counted<T extends object>(target: T, reads: { count: number }): T {
  return new Proxy(target, {
    get(object, key, receiver) {
      if (key !== 'length' && typeof key === 'string') reads.count++
      return Reflect.get(object, key, receiver) as unknown
    },
  })
}

const reply = (v: unknown) => ({ $fr: PROTOCOL_VERSION, t: 'r', i: '1', v })

describe('the size walk on advanced', () => {
  it('does not read the holes of a sparse array of length 2^32 - 1 (a few bytes of structured clone)', () => {
    const reads = { count: 0 }
    const sparse = counted(new Array(4_294_967_295), reads)
    sizeChecker('advanced', 64 * 1024 * 1024)?.(reply(sparse))
    expect(reads.count).toBe(0)
  })

  it('counts each shared object once: 40 nested pairs of the same array take a few thousand reads, not 2^40', () => {
    const reads = { count: 0 }
    let shared: unknown = 1
    for (let level = 0; level < 40; level++) {
      const pair = counted([shared, shared], reads)
      shared = pair
    }
    expect(sizeChecker('advanced', 64 * 1024 * 1024)?.(reply(shared))).toBeUndefined()
    // Up to a thousand objects walked as a tree (the common small message needs no more), then
    // once more, each object once: two reads of each pair.
    expect(reads.count).toBeLessThan(2 * 1_100 + 80)
  })
})
