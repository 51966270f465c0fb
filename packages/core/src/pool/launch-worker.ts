/**
 * Starts the worker of one pool member in the pool's runtime, a child process (`forkWorker`)
 * or a worker thread (`spawnThreadWorker`): the same lifecycle either way. The member
 * learns its pid or threadId as soon as the worker exists, and the pool hears the messages
 * it watches (going over a memory limit, a cancelled handler that has settled) and a worker
 * given up on for `unresponsiveAfter`.
 */
import type { Contract } from '../contract/define-contract.js'
import { MessageType, type OverLimitMessage, type ProtocolMessage } from '../protocol/messages.js'
import { forkWorker } from '../worker/fork.js'
import type { UnresponsiveEvent } from '../worker/liveness.js'
import type { ManagedWorker } from '../worker/managed-worker.js'
import { spawnThreadWorker } from '../worker/spawn-thread.js'
import type { PoolMember } from './pool-member.js'
import type { PoolSettings } from './pool-options.js'

/**
 * What the pool hears of a member's worker while it starts and runs.
 *
 * @example
 * ```ts
 * const hooks: LaunchHooks = { spawned: (member) => events.emit('spawn', member.id), overLimit: retireSoon, handlerSettled: armIdle, unresponsive: replace, sigterm: retire }
 * ```
 */
export interface LaunchHooks {
  /** The worker exists (not ready yet): the member has its pid or threadId. */
  spawned(member: PoolMember): void
  /** The ready worker said it is over a memory limit after a call. */
  overLimit(member: PoolMember, message: OverLimitMessage): void
  /** A cancelled call's handler has settled on the ready worker. */
  handlerSettled(member: PoolMember): void
  /** The ready worker was given up on for `unresponsiveAfter` (its calls have failed, it is being killed). */
  unresponsive(member: PoolMember, silentFor: number): void
  /** The ready worker got SIGTERM while the app runs (`worker/sigterm-lead.ts`): the pool stops it. */
  sigterm(member: PoolMember): void
}

/**
 * Starts `member`'s worker; resolves with it once it is ready, or rejects with StartupError
 * (or ContractMismatchError), with nothing left running.
 *
 * @example
 * ```ts
 * const worker = await launchWorker(contract, module, settings, member, hooks)
 * member.started(worker)
 * ```
 */
export function launchWorker(contract: Contract, module: string | URL, settings: PoolSettings, member: PoolMember, hooks: LaunchHooks): Promise<ManagedWorker<Contract>> {
  const observe = (message: ProtocolMessage): void => {
    if (member.state === 'starting') return
    if (message.t === MessageType.OverLimit) hooks.overLimit(member, message)
    // A cancelled handler is done once it says so (`d`), or once its reply crosses the cancel.
    else if (message.t === MessageType.Settled || (member.watchingRunaway && (message.t === MessageType.Result || message.t === MessageType.Failure))) hooks.handlerSettled(member)
  }
  // The worker runs at most `concurrency` handlers at once: the pool may send it `prefetch`
  // more, which wait there, ready to start the moment a slot frees.
  const extras = { memoryLimits: settings.memoryLimits, observe, concurrency: settings.concurrency, onSigterm: () => hooks.sigterm(member) }
  const { start } = settings
  // `unresponsiveAfter` applies to every member: the pool hears of each one given up on
  // before the app's own `onUnresponsive`, and before its failed calls are retried.
  const onUnresponsive = start.options.onUnresponsive
  const options = {
    ...start.options,
    onUnresponsive: (event: UnresponsiveEvent) => {
      hooks.unresponsive(member, event.silentFor)
      onUnresponsive?.(event)
    },
  }
  if (start.runtime === 'thread') {
    return spawnThreadWorker(contract, module, options, {
      ...extras,
      onSpawn: (threadId) => {
        member.threadId = threadId
        hooks.spawned(member)
      },
    })
  }
  return forkWorker(contract, module, options, {
    ...extras,
    onSpawn: (pid) => {
      member.pid = pid
      hooks.spawned(member)
    },
  })
}
