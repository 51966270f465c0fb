/**
 * Taking calls back from a worker's line (`call-reclaim.ts`): only from a line that has not
 * moved for STILL_FOR_MS, the most recently sent movable call first, no more than the free
 * slots less the requests still on their way; and when to look again otherwise.
 */
import { describe, expect, it, vi } from 'vitest'
import { reclaimCalls, STILL_FOR_MS } from '../../../packages/core/src/pool/call-reclaim.js'
import type { MemberSet } from '../../../packages/core/src/pool/member-set.js'
import type { PoolMember } from '../../../packages/core/src/pool/pool-member.js'

interface FakeTask {
  movable: boolean
  withdrawnAt: number | undefined
  askBack: (now: number) => boolean
}

function task(): FakeTask {
  const fake: FakeTask = {
    movable: true,
    withdrawnAt: undefined,
    askBack: vi.fn((now: number) => {
      fake.movable = false
      fake.withdrawnAt = now
      return true
    }),
  }
  return fake
}

function member(sent: FakeTask[], movedAt: number): PoolMember {
  return { serving: true, load: sent.length, usage: { movedAt }, sent: new Set(sent) } as unknown as PoolMember
}

function set(members: PoolMember[], concurrency = 1): MemberSet {
  const free = (): number => members.reduce((sum, m) => sum + Math.max(0, concurrency - m.load), 0)
  return Object.assign(members, { concurrency, freeSlots: free }) as unknown as MemberSet
}

describe('reclaimCalls', () => {
  it('asks a still line for its most recently sent call, once per free slot', () => {
    const stuck = [task(), task(), task(), task()] // one running, three waiting
    const members = set([member(stuck as unknown as FakeTask[], 0), member([], 0)])
    expect(reclaimCalls(members, 1_000)).toBeUndefined()
    expect(stuck[3]?.askBack).toHaveBeenCalledWith(1_000)
    expect(stuck.slice(0, 3).every((t) => vi.mocked(t.askBack).mock.calls.length === 0)).toBe(true)
    // Asked already, and the answer may still come: the free slot is spoken for.
    expect(reclaimCalls(members, 1_100)).toBeUndefined()
    expect(stuck[2]?.askBack).not.toHaveBeenCalled()
  })

  it('leaves a line that moved recently alone, and says when to look again', () => {
    const moving = [task(), task(), task()]
    const members = set([member(moving, 950), member([], 0)])
    expect(reclaimCalls(members, 1_000)).toBe(STILL_FOR_MS - 50)
    expect(moving.every((t) => vi.mocked(t.askBack).mock.calls.length === 0)).toBe(true)
  })

  it('does nothing without a free slot, or with no call waiting beyond concurrency', () => {
    const a = [task(), task()]
    const b = [task()]
    expect(reclaimCalls(set([member(a, 0), member(b, 0)]), 1_000)).toBeUndefined()
    expect([...a, ...b].every((t) => vi.mocked(t.askBack).mock.calls.length === 0)).toBe(true)
    const alone = [task()]
    expect(reclaimCalls(set([member(alone, 0), member([], 0)]), 1_000)).toBeUndefined()
    expect(alone[0]?.askBack).not.toHaveBeenCalled()
  })

  it('skips calls that may not move (streams, keyed calls)', () => {
    const line = [task(), task()]
    for (const t of line) t.movable = false
    expect(reclaimCalls(set([member(line, 0), member([], 0)]), 1_000)).toBeUndefined()
    expect(line.every((t) => vi.mocked(t.askBack).mock.calls.length === 0)).toBe(true)
  })
})

