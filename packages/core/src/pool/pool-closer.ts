/**
 * `pool.close()`: the pool stops taking calls (`closing`), lets queued and running calls
 * finish within `grace`, fails those still queued then, waits for the starts under way,
 * stops every worker in stages with what is left of `grace`, and is `closed`. Once: a
 * second call returns the same promise.
 */
import { checkStopOptions, waitAtMost } from '../base/timeouts.js'
import { ChannelClosedError } from '../errors/worker-errors.js'
import type { ShutdownResult, StopOptions } from '../supervision/registry.js'
import { DEFAULT_GRACE_MS } from '../worker/worker-options.js'
import type { Dispatcher } from './dispatcher.js'
import type { MemberSet } from './member-set.js'
import type { MemberSupervisor } from './member-supervisor.js'
import type { PoolSettings } from './pool-options.js'
import type { PoolStatus } from './pool-state.js'
import type { TaskQueue } from './task-queue.js'

export interface CloserParts {
  readonly settings: PoolSettings
  readonly status: PoolStatus
  readonly queue: TaskQueue
  readonly members: MemberSet
  readonly dispatcher: Dispatcher
  readonly supervisor: MemberSupervisor
}

export class PoolCloser {
  readonly #parts: CloserParts
  readonly #closed: () => void
  #closing: Promise<ShutdownResult[]> | undefined

  /** `closed` is called once every worker has stopped. */
  constructor(parts: CloserParts, closed: () => void) {
    this.#parts = parts
    this.#closed = closed
  }

  close(limits: Partial<StopOptions> = {}): Promise<ShutdownResult[]> {
    if (this.#closing !== undefined) return this.#closing
    try {
      checkStopOptions(limits, 'close()')
    } catch (error) {
      return Promise.reject(error)
    }
    this.#parts.status.closing()
    this.#parts.supervisor.closing()
    this.#closing = this.#stop(limits)
    return this.#closing
  }

  async #stop(limits: Partial<StopOptions>): Promise<ShutdownResult[]> {
    const { settings, status, queue, members, dispatcher, supervisor } = this.#parts
    const grace = limits.grace ?? settings.stopLimits.grace ?? DEFAULT_GRACE_MS
    const started = Date.now()
    // A stopped worker would hold its calls, and the drain, until the grace runs out: woken, it finishes them as a worker's own close() lets it.
    for (const member of members) member.resume()
    await waitAtMost(dispatcher.drained(), grace)
    queue.close((task) => new ChannelClosedError(`The pool was closed before call "${task.name}" could start`, { procedure: task.name }))
    await supervisor.stopStarting()
    const stopLimits = { grace: Math.max(0, grace - (Date.now() - started)), killTimeout: limits.killTimeout ?? settings.stopLimits.killTimeout }
    const results = await Promise.all(
      [...members]
        .filter((member) => member.state !== 'starting')
        .map(async (member) => {
          member.retire('closed', stopLimits)
          return { ...member.id, module: member.label, ...(await member.close(stopLimits)) }
        }),
    )
    status.closed()
    this.#closed()
    return results
  }
}
