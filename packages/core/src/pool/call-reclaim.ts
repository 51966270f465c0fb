/**
 * Taking calls back from workers' lines. With nothing queued, a worker with a free slot
 * should not sit idle while calls wait in another worker's line (sent ahead with
 * `prefetch`) behind a handler that takes long or never ends. The pool asks for the most
 * recently sent of them back (`rpc/withdrawal.ts`): unless its handler has started by then,
 * it comes back through the queue (the dispatcher) and runs on the free worker.
 */
import type { MemberSet } from './member-set.js'
import type { PoolMember } from './pool-member.js'
import type { PoolTask } from './pool-task.js'

/**
 * How long a request for a call back counts as on its way. A worker answers one that it
 * grants (`d`); one whose handler had started by then it keeps, and says nothing.
 */
const ASKED_FOR_MS = 1_000

/**
 * Asks for as many calls back as the serving workers have free slots, less the requests
 * still on their way.
 *
 * @example
 * ```ts
 * if (queue.size === 0) reclaimCalls(members)
 * ```
 */
export function reclaimCalls(members: MemberSet, now = performance.now()): void {
  let free = members.freeSlots()
  if (free === 0) return
  for (const member of members) free -= askedOf(member, now)
  while (free > 0) {
    const task = lastWaiting(members, now)
    if (task === undefined || !task.askBack(now)) return
    free -= 1
  }
}

/** The most recently sent movable call of the serving worker with the most calls waiting beyond its concurrency. */
function lastWaiting(members: MemberSet, now: number): PoolTask | undefined {
  let found: PoolTask | undefined
  let most = 0
  for (const member of members) {
    if (!member.serving) continue
    const waiting = member.load - members.concurrency - askedOf(member, now)
    if (waiting <= most) continue
    let last: PoolTask | undefined
    for (const task of member.sent) if (task.movable) last = task
    if (last === undefined) continue
    found = last
    most = waiting
  }
  return found
}

/** Calls of `member` asked back whose answer may still come. */
function askedOf(member: PoolMember, now: number): number {
  let asked = 0
  for (const task of member.sent) if (task.withdrawnAt !== undefined && now - task.withdrawnAt < ASKED_FOR_MS) asked += 1
  return asked
}
