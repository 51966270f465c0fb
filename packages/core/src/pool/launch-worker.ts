/**
 * Starts the worker of one pool member in the pool's runtime, a child process (`forkWorker`)
 * or a worker thread (`spawnThreadWorker`): the same lifecycle either way. The member
 * learns its pid or threadId as soon as the worker exists, and the pool hears the message
 * it watches (going over a memory limit) and a worker given up on for `unresponsiveAfter`.
 */
import type { Contract } from '../contract/define-contract.js'
import { MessageType, type OverLimitMessage, type ProtocolMessage } from '../protocol/messages.js'
import { forkWorker } from '../worker/fork.js'
import type { UnresponsiveEvent } from '../worker/liveness.js'
import type { ManagedWorker } from '../worker/managed-worker.js'
import type { StartExtras } from '../worker/startup.js'
import { spawnThreadWorker } from '../worker/spawn-thread.js'
import type { PoolMember } from './pool-member.js'
import type { PoolSettings, WorkerStart } from './pool-options.js'

/** What the pool hears of a member's worker while it starts and runs. */
export interface LaunchHooks {
  /** The worker exists (not ready yet): the member has its pid or threadId. */
  spawned(member: PoolMember): void
  /** The ready worker said it is over a memory limit after a call. */
  overLimit(member: PoolMember, message: OverLimitMessage): void
  /** The ready worker was given up on for `unresponsiveAfter` (its calls have failed, it is being killed). */
  unresponsive(member: PoolMember, silentFor: number): void
  /** The ready worker got SIGTERM while the app runs (`worker/sigterm-lead.ts`): the pool stops it. */
  sigterm(member: PoolMember): void
}

/**
 * How a pool starts one worker: a child process (`forkWorker`) or a worker thread
 * (`spawnThreadWorker`), by `start.runtime`; `extras.onSpawn` hears its pid or threadId. The
 * seam between the pool and its workers: the pool's model-based test starts simulated
 * workers on a fake clock through it.
 */
export type WorkerStarter = (
  contract: Contract,
  module: string | URL,
  start: WorkerStart,
  extras: StartExtras & { onSpawn(id: number): void },
) => Promise<ManagedWorker<Contract>>

/** The real workers: processes or threads. */
const startWorker: WorkerStarter = (contract, module, start, extras) =>
  start.runtime === 'thread' ? spawnThreadWorker(contract, module, start.options, extras) : forkWorker(contract, module, start.options, extras)

/**
 * Starts `member`'s worker; resolves with it once it is ready, or rejects with StartupError
 * (or ContractMismatchError), with nothing left running.
 */
export function launchWorker(
  contract: Contract,
  module: string | URL,
  settings: PoolSettings,
  member: PoolMember,
  hooks: LaunchHooks,
  starter: WorkerStarter = startWorker,
): Promise<ManagedWorker<Contract>> {
  const observe = (message: ProtocolMessage): void => {
    if (member.state === 'starting') return
    if (message.t === MessageType.OverLimit) hooks.overLimit(member, message)
  }
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
  // The worker runs at most `concurrency` handlers at once: the pool may send it `prefetch`
  // more, which wait there, ready to start the moment a slot frees.
  return starter(contract, module, { ...start, options } as WorkerStart, {
    memoryLimits: settings.memoryLimits,
    observe,
    concurrency: settings.concurrency,
    onSigterm: () => hooks.sigterm(member),
    pooled: true,
    onSpawn: (id) => {
      if (start.runtime === 'thread') member.threadId = id
      else member.pid = id
      hooks.spawned(member)
    },
  })
}
