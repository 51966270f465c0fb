/**
 * Shared by the integration tests: paths of fixture workers, the execArgv that lets a
 * child load .ts files, and cleanup that leaves no process behind even when a test fails.
 */
import type { ChildProcess } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { afterEach } from 'vitest'
import {
  fork,
  spawnThread,
  type Contract,
  type ContractWithoutHost,
  type ContractWorker,
  type ForkOptions,
  type RpcWorker,
  type ThreadOptions,
  type ThreadWorker,
} from '@forkrpc/core'

/** Node options that register tsx in a child, so it can run a .ts worker module. */
export const tsx = ['--import', pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href]

/** The absolute path of a file in test/fixtures. */
export function fixture(name: string): string {
  return fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url))
}

const workers = new Set<RpcWorker<Contract>>()
const children = new Set<ChildProcess | number>()

/** Forks a fixture worker (quietly, with tsx) and closes it after the test, pass or fail. */
export async function forkFixture<C extends ContractWithoutHost>(contract: C, name: string, options: ForkOptions = {}): Promise<RpcWorker<C>> {
  const worker = await fork(contract, fixture(name), { execArgv: tsx, stdio: ['ignore', 'ignore', 'pipe', 'ipc'], ...options })
  workers.add(worker as unknown as RpcWorker<Contract>)
  return worker
}

const threads = new Set<ThreadWorker<Contract>>()

/**
 * Starts a fixture worker in a thread and closes it after the test, pass or fail. tsx does
 * not register its loader in worker threads on Node 20, so the thread's entry is
 * fixtures/tsx-thread.mjs, which registers it and imports the .ts module.
 */
export async function spawnThreadFixture<C extends ContractWithoutHost>(contract: C, name: string, options: ThreadOptions = {}): Promise<ThreadWorker<C>> {
  const worker = await spawnThread(contract, fixture('tsx-thread.mjs'), { ...options, args: [fixture(name)] })
  threads.add(worker as unknown as ThreadWorker<Contract>)
  return worker
}

/** A way to start a fixture worker: in a child process or in a thread. */
export interface Transport {
  name: 'process' | 'thread'
  start<C extends ContractWithoutHost>(contract: C, name: string): Promise<ContractWorker<C>>
}

/** Both transports, for suites that must behave the same over each. */
export const transports: readonly Transport[] = [
  { name: 'process', start: (contract, name) => forkFixture(contract, name) },
  { name: 'thread', start: (contract, name) => spawnThreadFixture(contract, name) },
]

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
  const stopping = [...threads].map((thread) => thread.close({ grace: 0 }).catch(() => thread.thread.terminate()))
  threads.clear()
  await Promise.all(stopping)
  // close() must work; if it ever fails, the pid is still killed below.
  const closing = [...workers].map(async (worker) => {
    children.add(worker.pid)
    await worker.close({ grace: 0, killTimeout: 500 }).catch(() => undefined)
  })
  workers.clear()
  await Promise.all(closing)
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
