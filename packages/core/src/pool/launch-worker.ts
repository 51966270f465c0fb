/**
 * Starts the worker of one pool member in the pool's runtime, a child process (`forkWorker`)
 * or a worker thread (`spawnThreadWorker`): the same lifecycle either way. The member
 * learns its pid or threadId as soon as the worker exists, and the pool hears the messages
 * it watches: going over a memory limit, and a cancelled handler that has settled.
 */
import type { Contract } from '../contract/define-contract.js'
import { MessageType, type OverLimitMessage, type ProtocolMessage } from '../protocol/messages.js'
import { forkWorker } from '../worker/fork.js'
import type { ManagedWorker } from '../worker/managed-worker.js'
import { spawnThreadWorker } from '../worker/spawn-thread.js'
import type { PoolMember } from './pool-member.js'
import type { PoolSettings } from './pool-options.js'

/**
 * What the pool hears of a member's worker while it starts and runs.
 *
 * @example
 * ```ts
 * const hooks: LaunchHooks = { spawned: (member) => events.emit('spawn', member.id), overLimit: retireSoon, handlerSettled: armIdle }
 * ```
 */
export interface LaunchHooks {
  /** The worker exists (not ready yet): the member has its pid or threadId. */
  spawned(member: PoolMember): void
  /** The ready worker said it is over a memory limit after a call. */
  overLimit(member: PoolMember, message: OverLimitMessage): void
  /** A cancelled call's handler has settled on the ready worker. */
  handlerSettled(member: PoolMember): void
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
    // A cancelled call's handler has settled: `d`, or its own reply (`r` / `e`) when that
    // crossed the cancellation on the wire (a handler that stopped at its deadline, say).
    else if (message.t === MessageType.Settled || ((message.t === MessageType.Result || message.t === MessageType.Failure) && member.hasRunaway)) hooks.handlerSettled(member)
  }
  const extras = { memoryLimits: settings.memoryLimits, observe }
  const { start } = settings
  if (start.runtime === 'thread') {
    return spawnThreadWorker(contract, module, start.options, {
      ...extras,
      onSpawn: (threadId) => {
        member.threadId = threadId
        hooks.spawned(member)
      },
    })
  }
  return forkWorker(contract, module, start.options, {
    ...extras,
    onSpawn: (pid) => {
      member.pid = pid
      hooks.spawned(member)
    },
  })
}
