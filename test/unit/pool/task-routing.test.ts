/**
 * The pool's queue with priorities and keys, without a pool or a worker: higher priority
 * first and FIFO within one, keyed calls only to their key's owner (rendezvous hashing over
 * the workers that take calls), and keys that move when workers come and go.
 */
import { describe, expect, it } from 'vitest'
import { hashKey, ownerOf } from '../../../packages/core/src/pool/key-owner.js'
import { readPoolCallOptions } from '../../../packages/core/src/pool/pool-call-options.js'
import { TaskQueue } from '../../../packages/core/src/pool/task-queue.js'
import { makeTask } from './pool-test-tasks.js'

/** A stand-in for a pool member: its serial, and whether it has room for a call. */
interface Fake {
  serial: number
  room: boolean
}

const fakes = (count: number): Fake[] => Array.from({ length: count }, (_, i) => ({ serial: i + 1, room: true }))

/** Placement over fake members: the first with room is the least busy. */
const placement = (members: Fake[]) => ({ hasRoom: (member: Fake) => member.room, leastBusy: () => members.find((member) => member.room) })

/** Takes every task a worker has room for, as `name@serial`. */
function drain(queue: TaskQueue<Fake>, members: Fake[]): string[] {
  const taken: string[] = []
  for (let next = queue.next(placement(members)); next !== undefined; next = queue.next(placement(members))) taken.push(`${next.task.name}@${next.member.serial}`)
  return taken
}

/** A key that `ownerOf` gives to `serial` among `members`. */
function keyOwnedBy(serial: number, members: Fake[]): string {
  for (let i = 0; ; i++) if (ownerOf(hashKey(`k${i}`), members)?.serial === serial) return `k${i}`
}

describe('priorities in the pool queue', () => {
  it('hands out the highest priority first, first in first out within a priority, retries first', () => {
    const queue = new TaskQueue<Fake>(Infinity)
    const members = fakes(1)
    queue.route(members)
    for (const [name, priority] of [['low1', -1], ['mid1', 0], ['high1', 5], ['mid2', 0], ['high2', 5], ['low2', -1], ['half', 0.5]] as const) {
      queue.push(makeTask(name, { priority }).task)
    }
    queue.pushFront(makeTask('retried', { priority: 0 }).task)
    expect(queue.size).toBe(8)
    expect(drain(queue, members).map((taken) => taken.split('@')[0])).toEqual(['high1', 'high2', 'half', 'retried', 'mid1', 'mid2', 'low1', 'low2'])
    expect(queue.size).toBe(0)
  })

  it('skips calls of any priority that left on their own (aborted)', () => {
    const queue = new TaskQueue<Fake>(Infinity)
    const controller = new AbortController()
    queue.push(makeTask('a', { priority: 1, signal: controller.signal }).task)
    queue.push(makeTask('b', { priority: 1 }).task)
    queue.push(makeTask('c', { priority: 2, signal: controller.signal }).task)
    controller.abort()
    expect(queue.size).toBe(1)
    expect(queue.shift()?.name).toBe('b')
    expect(queue.shift()).toBeUndefined()
  })

  it('checks priority and key: a finite number, a string', () => {
    expect(readPoolCallOptions('x', { priority: -2.5, key: 'tenant:1' })).toEqual({ priority: -2.5, key: 'tenant:1' })
    expect(readPoolCallOptions('x', undefined)).toEqual({ priority: 0, key: undefined })
    for (const priority of [Infinity, -Infinity, Number.NaN, '1', null]) expect(() => readPoolCallOptions('x', { priority })).toThrow(/call "x": options.priority must be a finite number/)
    for (const key of [1, null, {}]) expect(() => readPoolCallOptions('x', { key })).toThrow(/call "x": options.key must be a string/)
  })
})

describe('keys in the pool queue', () => {
  it('sends a keyed call only to its owner, and lets other calls pass one that waits for a busy owner', () => {
    const queue = new TaskQueue<Fake>(Infinity)
    const members = fakes(2)
    const [one, two] = members as [Fake, Fake]
    queue.route(members)
    const toOne = keyOwnedBy(1, members)
    one.room = false
    queue.push(makeTask('keyed', { key: toOne, priority: 9 }).task)
    queue.push(makeTask('free').task)
    // Worker 1 is busy: the keyed call waits for it, even though worker 2 has room.
    expect(drain(queue, members)).toEqual(['free@2'])
    two.room = false
    one.room = true
    expect(drain(queue, members)).toEqual(['keyed@1'])
  })

  it('takes a keyed call before an unkeyed one of lower priority, and after one of higher', () => {
    const queue = new TaskQueue<Fake>(Infinity)
    const members = fakes(1)
    queue.route(members)
    queue.push(makeTask('low', { priority: -1 }).task)
    queue.push(makeTask('keyed', { key: 'a' }).task)
    queue.push(makeTask('high', { priority: 1 }).task)
    expect(drain(queue, members)).toEqual(['high@1', 'keyed@1', 'low@1'])
  })

  it('moves the keyed calls waiting for a worker that is gone, in their order, to their new owners', () => {
    const queue = new TaskQueue<Fake>(Infinity)
    const members = fakes(3)
    queue.route(members)
    const key = keyOwnedBy(2, members)
    for (const member of members) member.room = false
    queue.push(makeTask('first', { key }).task)
    queue.push(makeTask('second', { key }).task)
    const survivors = members.filter((member) => member.serial !== 2)
    queue.route(survivors)
    const heir = ownerOf(hashKey(key), survivors) as Fake
    heir.room = true
    expect(drain(queue, survivors)).toEqual([`first@${heir.serial}`, `second@${heir.serial}`])
  })

  it('holds keyed calls while no worker takes calls, and routes them once one does', () => {
    const queue = new TaskQueue<Fake>(Infinity)
    queue.push(makeTask('early', { key: 'tenant:1' }).task)
    expect(drain(queue, [])).toEqual([])
    const members = fakes(1)
    queue.route(members)
    expect(drain(queue, members)).toEqual(['early@1'])
  })
})

describe('rendezvous hashing of keys', () => {
  const keys = Array.from({ length: 3_000 }, (_, i) => `tenant:${i}`)

  it('spreads keys about evenly over the workers', () => {
    const members = fakes(3)
    const counts = new Map<number, number>()
    for (const key of keys) {
      const owner = ownerOf(hashKey(key), members) as Fake
      counts.set(owner.serial, (counts.get(owner.serial) ?? 0) + 1)
    }
    for (const member of members) expect(counts.get(member.serial)).toBeGreaterThan(800) // of 1,000 each on average
  })

  it('moves only the keys of a worker that goes, and gives a new worker only keys it takes from the others', () => {
    const three = fakes(3)
    const two = three.slice(0, 2)
    const before = keys.map((key) => ownerOf(hashKey(key), three)?.serial)
    const after = keys.map((key) => ownerOf(hashKey(key), two)?.serial)
    const moved = keys.filter((_, i) => before[i] !== after[i])
    expect(moved.length).toBeGreaterThan(0)
    // Exactly the keys worker 3 had moved; every other key stayed where it was.
    expect(keys.filter((_, i) => before[i] === 3)).toEqual(moved)
    expect(ownerOf(hashKey('x'), [])).toBeUndefined()
  })

  it('gives a key the same owner whatever the order of the workers', () => {
    const members = fakes(4)
    const reversed = [...members].reverse()
    for (const key of keys.slice(0, 200)) expect(ownerOf(hashKey(key), reversed)).toBe(ownerOf(hashKey(key), members))
  })
})
