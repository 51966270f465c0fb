/**
 * Shared by the integration tests: paths of fixture workers, the execArgv that lets a
 * child load .ts files, and cleanup that leaves no process behind even when a test fails
 * (forkForTest from @forkrpc/testing/vitest for workers, an afterEach for raw children).
 */
import type { ChildProcess } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { afterAll, afterEach } from 'vitest'
import type { Contract, RpcWorker } from '@forkrpc/core'
import { assertNoWorkers } from '@forkrpc/testing'
import { forkForTest, type ForkForTestOptions } from '@forkrpc/testing/vitest'

/** Node options that register tsx in a child, so it can run a .ts worker module. */
export const tsx = ['--import', pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href]

/** The absolute path of a file in test/fixtures. */
export function fixture(name: string): string {
  return fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url))
}

const children = new Set<ChildProcess | number>()

/**
 * Forks a fixture worker (quietly, with tsx) with forkForTest: it is closed after the test,
 * pass or fail, and the test fails if it exits unasked (pass `allowExit: true` in tests that
 * crash it on purpose) or leaves a process behind.
 */
export function forkFixture<C extends Contract>(contract: C, name: string, options: ForkForTestOptions = {}): Promise<RpcWorker<C>> {
  return forkForTest(contract, fixture(name), { execArgv: tsx, stdio: ['ignore', 'ignore', 'pipe', 'ipc'], closeOptions: { grace: 0, killTimeout: 500 }, ...options })
}

/** Kills this process (or pid) after the test if it is still alive. */
export function track(child: ChildProcess | number): void {
  children.add(child)
}

/** True while a process with this pid exists (and is not a zombie). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
  } catch {
    return false
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z'
  } catch {
    return true
  }
}

/** Resolves once `pid` is gone; rejects after `ms`. */
export async function waitForExit(pid: number, ms = 5_000): Promise<void> {
  const deadline = Date.now() + ms
  while (isAlive(pid)) {
    if (Date.now() > deadline) throw new Error(`process ${pid} is still alive after ${ms} ms`)
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

/** The pids of this process's live (non-zombie) children, from /proc. */
export function childPids(): number[] {
  const pids: number[] = []
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8')
      const [state, ppid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
      if (Number(ppid) === process.pid && state !== 'Z') pids.push(Number(entry))
    } catch {}
  }
  return pids.sort((a, b) => a - b)
}

afterEach(async () => {
  for (const child of children) {
    const pid = typeof child === 'number' ? child : child.pid
    if (pid !== undefined && isAlive(pid)) {
      try {
        process.kill(pid, 'SIGKILL')
      } catch {}
      await waitForExit(pid).catch(() => undefined)
    }
  }
  children.clear()
})

// Every test file that forks leaves no forkrpc worker running behind it.
afterAll(() => assertNoWorkers())
