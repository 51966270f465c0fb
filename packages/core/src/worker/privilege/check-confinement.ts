/**
 * A pool's `permissions` and `heapLimitMb` checked when the pool is created, so that what its
 * workers' runtime cannot honour is a TypeError from `createPool()` and not a failed start of
 * every worker.
 */
import { fileURLToPath } from 'node:url'
import type { ForkOptions } from '../fork.js'
import { modulePath } from '../module-path.js'
import type { ThreadOptions } from '../spawn-thread.js'
import { confineProcess } from './confine-process.js'
import { checkLeastPrivilege } from './permissions.js'
import { confineThread } from './thread-permissions.js'

/**
 * Throws the TypeError that starting a worker of `module` with `start` would throw for its
 * `permissions` or `heapLimitMb`.
 */
export function checkConfinement(start: { runtime: 'process'; options: ForkOptions } | { runtime: 'thread'; options: ThreadOptions }, module: string | URL, where: string): void {
  const { options } = start
  checkLeastPrivilege(options, where)
  if (options.permissions === undefined && options.heapLimitMb === undefined) return
  const inspect = options.inspect !== undefined && options.inspect !== false
  if (start.runtime === 'thread') {
    confineThread({ options: start.options, module: modulePath(module, where), inspect }, where)
    return
  }
  const cwd = start.options.cwd instanceof URL ? fileURLToPath(start.options.cwd) : start.options.cwd
  confineProcess({ options: start.options, module: modulePath(module, where, cwd), execArgv: start.options.execArgv, inspect }, where)
}
