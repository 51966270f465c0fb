/**
 * When a healthy worker of the pool is retired, and for which reason: after
 * `maxTasksPerWorker` calls (`recycled`), once over a memory limit (`memory`), or after
 * `idleTimeout` with more than `min` workers (`idle`). Its replacement, if one is needed,
 * comes from the supervisor like any other start. While the pool starts no worker (it is
 * closing, or the app is shutting down), a worker is not recycled nor stopped for being
 * idle, since it would not be replaced: only going over a memory limit retires it.
 */
import { debug } from '../base/debug.js'
import type { OverLimitMessage } from '../protocol/messages.js'
import type { MemberSet } from './member-set.js'
import type { PoolMember } from './pool-member.js'
import type { PoolSettings } from './pool-options.js'
import type { PoolStatus } from './pool-state.js'

export class MemberRecycler {
  readonly #settings: PoolSettings
  readonly #members: MemberSet
  readonly #status: PoolStatus

  constructor(settings: PoolSettings, members: MemberSet, status: PoolStatus) {
    this.#settings = settings
    this.#members = members
    this.#status = status
  }

  /** A pool call on `member` settled. */
  afterCall(member: PoolMember): void {
    if (member.state !== 'ready') return
    if (member.done >= this.#settings.maxTasksPerWorker && this.#status.startsWorkers) member.retire('recycled', this.#settings.stopLimits)
    else if (member.overLimit) member.retire('memory', this.#settings.stopLimits)
    else this.armIdle(member)
  }

  /** `member`'s worker said it is over a memory limit: retired now if idle, else after its calls. */
  overLimit(member: PoolMember, message: OverLimitMessage): void {
    debug('pool: worker %d is over its memory limit (heap %d, rss %d)', member.pid, message.hb, message.rb)
    member.overLimit = true
    if (member.load === 0) member.retire('memory', this.#settings.stopLimits)
  }

  /** `member`'s state or load changed without a call settling (a cancelled handler stopped): once it runs nothing, it is retired if over a memory limit, or its idle timer armed. */
  changed(member: PoolMember): void {
    if (member.state !== 'ready' || member.load > 0) return
    if (member.overLimit) member.retire('memory', this.#settings.stopLimits)
    else this.armIdle(member)
  }

  /** Retires `member` after `idleTimeout` without calls, if more than `min` workers serve then. */
  armIdle(member: PoolMember): void {
    const { idleTimeout, min, stopLimits } = this.#settings
    if (idleTimeout === undefined || !this.#status.startsWorkers || member.state !== 'ready' || member.load > 0) return
    member.armIdle(idleTimeout, () => {
      if (member.load === 0 && this.#members.serving > min && this.#status.startsWorkers) member.retire('idle', stopLimits)
    })
  }
}
