/**
 * Taking calls back from workers' lines. With nothing queued, a worker with a free slot
 * should not sit idle while calls wait in another worker's line (sent ahead with
 * `prefetch`) behind a handler that takes long or never ends. Once that line has not moved
 * for `STILL_FOR_MS`, the pool asks for its most recently sent call back
 * (`rpc/line-place.ts`): unless its handler has started by then, it comes back through the
 * queue (the dispatcher) and runs on the free worker. A line that moves is left alone:
 * asking back calls that start a moment later would only cost messages.
 */
import type { MemberSet } from './member-set.js'
import type { PoolMember } from './pool-member.js'
import type { PoolTask } from './pool-task.js'

/** How long a worker's line must not have moved before calls are taken back from it. */
export const STILL_FOR_MS = 100

/**
 * How long a request for a call back counts as on its way. A worker answers one that it
 * grants (`d`); one whose handler had started by then it keeps, and says nothing.
 */
const ASKED_FOR_MS = 1_000

/**
 * Asks for as many calls back as the serving workers have free slots, less the requests
 * still on their way. Returns in how many ms to look again when a line with waiting calls
 * has moved too recently to take from (undefined: no need).
 */
export function reclaimCalls(members: MemberSet, now = performance.now()): number | undefined {
  let free = members.freeSlots()
  if (free === 0) return undefined
  for (const member of members) free -= askedOf(member, now)
  let later: number | undefined
  while (free > 0) {
    const found = lastWaiting(members, now)
    later = found.later
    if (found.task === undefined || !found.task.askBack(now)) break
    free -= 1
  }
  return free > 0 ? later : undefined
}

/**
 * The most recently sent movable call of the still worker with the most calls waiting
 * beyond its concurrency; and, if a worker with waiting calls moved too recently, when it
 * may have been still long enough.
 */
function lastWaiting(members: MemberSet, now: number): { task: PoolTask | undefined; later: number | undefined } {
  let task: PoolTask | undefined
  let later: number | undefined
  let most = 0
  for (const member of members) {
    if (!member.serving) continue
    const waiting = member.load - members.concurrency - askedOf(member, now)
    if (waiting <= 0) continue
    const still = now - member.usage.movedAt
    if (still < STILL_FOR_MS) {
      later = Math.min(later ?? Infinity, STILL_FOR_MS - still)
      continue
    }
    if (waiting <= most) continue
    let last: PoolTask | undefined
    for (const sent of member.sent) if (sent.movable) last = sent
    if (last === undefined) continue
    task = last
    most = waiting
  }
  return { task, later }
}

/** Calls of `member` asked back whose answer may still come. */
function askedOf(member: PoolMember, now: number): number {
  let asked = 0
  for (const task of member.sent) if (task.withdrawnAt !== undefined && now - task.withdrawnAt < ASKED_FOR_MS) asked += 1
  return asked
}
