/**
 * The worker's inspector, for the `inspect` option: a thread opens it here (a process was
 * started with `--inspect`), and the ready message carries its URL to the parent.
 * `node:inspector` is loaded only when the worker is being inspected.
 */
import { createRequire } from 'node:module'
import { debug } from '../base/debug.js'
import { threadInspectTarget } from '../channel/message-port-channel.js'

const INSPECT_FLAG = /^--inspect(-brk|-wait)?(=|$)/

/**
 * Opens the inspector in a thread `spawnThread()` asked to, and returns the URL of this
 * worker's inspector, or undefined when it has none open.
 */
export function openInspector(): string | undefined {
  const target = threadInspectTarget()
  if (target === undefined && !process.execArgv.some((flag) => INSPECT_FLAG.test(flag))) return undefined
  const inspector = createRequire(import.meta.url)('node:inspector') as typeof import('node:inspector')
  if (target !== undefined && inspector.url() === undefined) {
    try {
      inspector.open(target.port, target.host)
    } catch (error) {
      // A taken port: the thread still serves, without its inspector (the parent sees no URL).
      debug('could not open the inspector on %s:%d: %o', target.host, target.port, error)
    }
  }
  return inspector.url()
}
