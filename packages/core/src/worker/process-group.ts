/**
 * Process groups: a worker forked with `processGroup: true` leads a group of its own, so
 * that the processes it starts (grandchildren) can be signalled with it and do not
 * outlive it. POSIX only; on Windows the option does nothing.
 */
import { debug } from '../base/debug.js'

export const PROCESS_GROUPS_SUPPORTED = process.platform !== 'win32'

/** Sends `signal` to every process of group `pgid`; false when the group is empty (or gone). */
export function signalGroup(pgid: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-pgid, signal)
    return true
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') debug('could not signal process group %d: %o', pgid, error)
    return false
  }
}

/**
 * Ends what is left of group `pgid` once its leader has exited: SIGTERM, then SIGKILL to
 * whatever still runs after `killTimeout` ms. Resolves once the group is empty.
 */
export async function endGroup(pgid: number, killTimeout: number): Promise<void> {
  if (!signalGroup(pgid, 'SIGTERM')) return
  debug('process group %d outlived its leader: SIGTERM', pgid)
  const deadline = Date.now() + killTimeout
  while (signalGroup(pgid, 0)) {
    if (Date.now() >= deadline) {
      debug('process group %d still alive %d ms after SIGTERM: SIGKILL', pgid, killTimeout)
      signalGroup(pgid, 'SIGKILL')
      // A killed process leaves the group once reaped; its new parent (init) does that.
      const killedAt = Date.now()
      while (signalGroup(pgid, 0) && Date.now() - killedAt < 1_000) await sleep(10)
      return
    }
    await sleep(10)
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}
