/**
 * The pool's workers, starting ones included, and what the dispatcher and the stats ask of
 * them: the least busy worker with room for a call, free slots, counts.
 */
import type { PoolMember } from './pool-member.js'

/** Counts of a pool's workers and of the calls running on them. */
export interface MemberCounts {
  /** Workers running (ready or stopping). */
  readonly workers: number
  readonly starting: number
  /** Ready workers running at least one call (or a cancelled handler that has not stopped). */
  readonly busy: number
  /** Ready workers running nothing. */
  readonly idle: number
  /** Pool calls running on workers. */
  readonly inFlight: number
}

export class MemberSet implements Iterable<PoolMember> {
  /** Calls one worker runs at once. */
  readonly concurrency: number
  /** Calls one worker is given at once: `concurrency`, and `prefetch` more that wait there. */
  readonly slots: number
  readonly #members: PoolMember[] = []
  readonly #changed: (member: PoolMember) => void
  #serials = 0

  /** `changed` hears every change of a member's state, and of its load that the dispatcher did not make (see `changed()`). */
  constructor(concurrency: number, prefetch = 0, changed: (member: PoolMember) => void = () => undefined) {
    this.concurrency = concurrency
    this.slots = concurrency + prefetch
    this.#changed = changed
  }

  /**
   * A member's state changed, or its load fell outside the dispatcher (a handler given up on
   * settled): what it may take, and which keys it owns, may have changed. Members call this.
   */
  changed(member: PoolMember): void {
    this.#changed(member)
  }

  [Symbol.iterator](): Iterator<PoolMember> {
    return this.#members[Symbol.iterator]()
  }

  /** A serial number for a new member: never reused in this pool. */
  nextSerial(): number {
    return ++this.#serials
  }

  add(member: PoolMember): void {
    this.#members.push(member)
  }

  remove(member: PoolMember): void {
    const index = this.#members.indexOf(member)
    if (index >= 0) this.#members.splice(index, 1)
  }

  /** Every member: starting, ready, retiring, and gone ones whose exit is not yet known. */
  get size(): number {
    return this.#members.length
  }

  get starting(): number {
    return this.#count((member) => member.state === 'starting')
  }

  /** Members that take calls. */
  get serving(): number {
    return this.#count((member) => member.serving)
  }

  /** The serving member with the lowest load under its room, if any. */
  leastBusy(): PoolMember | undefined {
    // Hot path: once per call. A loop over at most `max` members.
    let best: PoolMember | undefined
    let bestLoad = this.slots
    for (const member of this.#members) {
      if (!member.serving) continue
      const load = member.load
      if (load < bestLoad && load < this.#room(member)) {
        best = member
        bestLoad = load
      }
    }
    return best
  }

  /** Whether `member` serves and was given fewer calls than its room. */
  hasRoom(member: PoolMember): boolean {
    return member.serving && member.load < this.#room(member)
  }

  /**
   * The calls `member` may be given: `slots`, but only `concurrency` while a handler whose
   * call was given up on still runs there. That handler may be stuck (a synchronous loop
   * never sees its signal) and the worker killed for it (`cancelGrace`): a call sent to wait
   * behind it would share its fate; in the pool's queue it goes to the next free worker.
   */
  #room(member: PoolMember): number {
    return member.lingering > 0 ? this.concurrency : this.slots
  }

  /** The members that take calls, in the order they were added: the owners of keys. */
  servingMembers(): PoolMember[] {
    return this.#members.filter((member) => member.serving)
  }

  /** Calls the serving members could start right now (under `concurrency`: what scaling counts). */
  freeSlots(): number {
    let free = 0
    for (const member of this.#members) if (member.serving) free += Math.max(0, this.concurrency - member.load)
    return free
  }

  /** No pool call runs on any member. */
  get idle(): boolean {
    return this.#members.every((member) => member.active === 0)
  }

  counts(): MemberCounts {
    let busy = 0
    let idle = 0
    let inFlight = 0
    let starting = 0
    for (const member of this.#members) {
      inFlight += member.active
      if (member.state === 'starting') starting += 1
      else if (member.serving && member.load > 0) busy += 1
      else if (member.serving) idle += 1
    }
    return { workers: this.#members.length - starting, starting, busy, idle, inFlight }
  }

  #count(test: (member: PoolMember) => boolean): number {
    let count = 0
    for (const member of this.#members) if (test(member)) count += 1
    return count
  }
}
