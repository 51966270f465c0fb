/**
 * The orphan watchdog: a tiny worker thread in the child that notices its parent dying even
 * while the child's main thread is stuck in a synchronous loop (which would never see the
 * IPC channel's 'disconnect'), and then kills the process.
 *
 * It polls `process.ppid`: when the parent dies, the kernel hands the child to init (or to
 * a subreaper) and the ppid changes. Polling the pid with `kill(pid, 0)` would not do,
 * because a dead parent that its own parent has not reaped yet is a zombie that still
 * answers. The thread runs with no loader and a small heap; see docs/shutdown-and-signals.md ("No orphans") for its cost.
 */
import { Worker } from 'node:worker_threads'
import { debug } from '../base/debug.js'

/** How often the watchdog looks at the parent pid, in milliseconds. */
export const WATCHDOG_INTERVAL_MS = 100
/**
 * How long the watchdog lets the main thread shut down by itself (it sees 'disconnect' and
 * runs the shutdown hooks) before it kills the process.
 */
export const WATCHDOG_GRACE_MS = 650

// Plain CommonJS, evaluated in the thread: no module resolution, no loader, no imports.
const SOURCE = `
const { workerData } = require('node:worker_threads')
const { parentPid, interval, grace } = workerData
const timer = setInterval(() => {
  if (process.ppid === parentPid) return
  clearInterval(timer)
  setTimeout(() => process.kill(process.pid, 'SIGKILL'), grace)
}, interval)
`

export interface Watchdog {
  /** Stops the thread (the process is exiting by itself). */
  stop(): void
}

/**
 * Starts the watchdog for the current parent. Returns undefined when the process has no
 * parent worth watching (it was started by init) or threads are unavailable.
 */
export function startWatchdog(): Watchdog | undefined {
  const parentPid = process.ppid
  if (parentPid <= 1) return undefined
  try {
    const thread = new Worker(SOURCE, {
      eval: true,
      workerData: { parentPid, interval: WATCHDOG_INTERVAL_MS, grace: WATCHDOG_GRACE_MS },
      // Not the parent's --import tsx & co.: the watchdog is plain JavaScript.
      execArgv: [],
      env: {},
      stdout: true,
      stderr: true,
      resourceLimits: { maxOldGenerationSizeMb: 8, maxYoungGenerationSizeMb: 1, stackSizeMb: 1 },
    })
    thread.unref()
    thread.on('error', (error) => debug('the orphan watchdog failed: %o', error))
    return {
      stop: () => {
        void thread.terminate()
      },
    }
  } catch (error) {
    debug('could not start the orphan watchdog: %o', error)
    return undefined
  }
}
