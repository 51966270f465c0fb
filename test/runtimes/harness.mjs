// What the checks of the runtime suite share: how to start the suite's worker (on this
// runtime, or on another one given by `execPath`), helper parent processes, and looks at
// processes from the outside. Plain JavaScript and node: built-ins only, so that Node, Bun
// and Deno run it as it is.
import { fork as forkChild } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { fork } from '@forkrpc/core'
import { host, suite } from './fixtures/suite.contract.mjs'

/** The absolute path of a file in test/runtimes/fixtures. */
export function fixture(name) {
  return fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url))
}

/**
 * The context a check runs in. `workerOptions` is `{}` for workers on this runtime, or
 * `{ execPath, execArgv }` for workers on another one (a Node parent with Bun or Deno
 * workers); `foreign` names that runtime then.
 */
export function checkContext({ workerOptions = {}, foreign } = {}) {
  const started = new Set()
  const stderr = new WeakMap()
  return {
    workerOptions,
    foreign,
    /** Forks the suite's worker (or `module`), closed after the check if it is still running. */
    async fork(options = {}, module = fixture('suite.worker.mjs')) {
      const worker = await fork(suite, module, { host, ...workerOptions, stdio: ['ignore', 'ignore', 'pipe', 'ipc'], ...options })
      started.add(worker)
      let text = ''
      worker.process.stderr.on('data', (data) => (text += data))
      stderr.set(worker, () => text)
      return worker
    },
    /** What `worker` (from `fork()`) wrote to stderr since it was ready. */
    stderrOf: (worker) => stderr.get(worker)(),
    /**
     * Starts fixtures/parent.mjs on this runtime in `mode`; it forks its worker with
     * `workerOptions`. Returns the child, a reader of its stdout's lines, and its stderr so far.
     */
    parent(mode, env = {}) {
      const child = forkChild(fixture('parent.mjs'), [mode], {
        execArgv: [],
        stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
        env: { ...process.env, ...env, FORKRPC_SUITE_WORKER_OPTIONS: JSON.stringify(workerOptions) },
      })
      // fork() starts it on this runtime, whichever it is; the check talks to it over stdout
      // only, and its IPC channel must not keep it alive.
      child.disconnect()
      started.add(child)
      let stderr = ''
      child.stderr.on('data', (data) => (stderr += data))
      return { child, lines: lineReader(child.stdout), stderr: () => stderr }
    },
    /** Closes or kills whatever the check started and left running. */
    async cleanUp() {
      for (const item of started) {
        // A worker's close() may hang where the check found a bug: its process is killed then.
        if (typeof item.close === 'function') await Promise.race([item.close({ grace: 0, killTimeout: 500 }).catch(() => undefined), sleep(3_000)])
        if (item.pid !== undefined && isAlive(item.pid)) process.kill(item.pid, 'SIGKILL')
      }
      started.clear()
    },
  }
}

/** `promise`, or a failure saying `what` did not happen within `ms`. */
export async function within(promise, ms, what) {
  let timer
  try {
    return await Promise.race([promise, new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms)))])
  } finally {
    clearTimeout(timer)
  }
}

/** Resolves after `ms`. */
export function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

/** Reads a stream line by line: `next()` resolves with the next line (parsed when it is JSON). */
function lineReader(stream) {
  const lines = []
  const waiting = []
  let buffered = ''
  stream.setEncoding('utf8')
  stream.on('data', (data) => {
    buffered += data
    let end
    while ((end = buffered.indexOf('\n')) >= 0) {
      const line = buffered.slice(0, end)
      buffered = buffered.slice(end + 1)
      let value = line
      try {
        value = JSON.parse(line)
      } catch {}
      const waiter = waiting.shift()
      if (waiter) waiter(value)
      else lines.push(value)
    }
  })
  return {
    next: (ms = 15_000) =>
      lines.length > 0
        ? Promise.resolve(lines.shift())
        : new Promise((resolve, reject) => {
            const timer = setTimeout(() => reject(new Error(`no line from the helper parent within ${ms} ms`)), ms)
            waiting.push((value) => {
              clearTimeout(timer)
              resolve(value)
            })
          }),
  }
}

/** True while `pid` exists and is not a zombie (/proc where there is one). */
export function isAlive(pid) {
  try {
    process.kill(pid, 0)
  } catch (error) {
    return error.code === 'EPERM'
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    const state = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0]
    return state !== 'Z' && state !== 'X'
  } catch {
    return false
  }
}

/** Resolves once `condition()` holds; rejects with `what` after `ms`. */
export async function waitFor(condition, what, ms = 10_000) {
  const deadline = Date.now() + ms
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms} ms`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

/** Resolves with `{ code, signal }` once `child` has exited. */
export function exitOf(child) {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve({ code: child.exitCode, signal: child.signalCode })
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })))
}

/** `promise`'s rejection, or a failure if it resolves. */
export async function rejectionOf(promise) {
  try {
    await promise
  } catch (error) {
    return error
  }
  throw new Error('expected a rejection, but it resolved')
}
