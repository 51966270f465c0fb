/**
 * Shared by the integration tests: paths of fixture workers, the execArgv that lets a
 * child load .ts files, and cleanup that leaves no process behind even when a test fails
 * (forkForTest from @forkrpc/testing/vitest for workers, an afterEach for raw children).
 */
import type { ChildProcess } from 'node:child_process'
import { createRequire } from 'node:module'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { afterAll, afterEach } from 'vitest'
import { spawnThread, type Contract, type ContractWithoutHost, type ContractWorker, type RpcWorker, type ThreadOptions, type ThreadWorker } from '@forkrpc/core'
import { assertNoWorkers } from '@forkrpc/testing'
import { forkForTest, type ForkForTestOptions } from '@forkrpc/testing/vitest'
import { childrenOf, isAlive } from '../packages/testing/src/processes.js'

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

const threads = new Set<ThreadWorker<Contract>>()

/**
 * Starts a fixture worker in a thread, with tsx in its Node options (spawnThread registers tsx
 * in the thread), and closes it after the test, pass or fail.
 */
export async function spawnThreadFixture<C extends ContractWithoutHost>(contract: C, name: string, options: ThreadOptions = {}): Promise<ThreadWorker<C>> {
  const worker = await spawnThread(contract, fixture(name), { execArgv: tsx, ...options })
  threads.add(worker as unknown as ThreadWorker<Contract>)
  return worker
}

/** A way to start a fixture worker: in a child process, in a thread, or (nats-helpers.ts) behind NATS. */
export interface Transport {
  name: 'process' | 'thread' | 'nats'
  /** `allowExit`: the test makes the worker exit on purpose. */
  start<C extends ContractWithoutHost>(contract: C, name: string, options?: { allowExit?: boolean }): Promise<ContractWorker<C>>
}

/** Both transports, for suites that must behave the same over each. */
export const transports: readonly Transport[] = [
  { name: 'process', start: (contract, name, options) => forkFixture(contract, name, options) },
  { name: 'thread', start: (contract, name) => spawnThreadFixture(contract, name) },
]

/**
 * Resolves with the next forkrpc message of type `t` that `child` sends, alone or in a batch
 * (`b`), as it arrives on the raw channel.
 */
export function nextRaw(child: ChildProcess, t: string): Promise<Record<string, unknown>> {
  return new Promise((resolve) => {
    const listener = (arrived: { t?: string; p?: unknown[] }): void => {
      const messages = (arrived?.t === 'b' && Array.isArray(arrived.p) ? arrived.p : [arrived]) as Array<Record<string, unknown>>
      const found = messages.find((message) => message?.t === t)
      if (found === undefined) return
      child.off('message', listener)
      resolve(found)
    }
    child.on('message', listener)
  })
}

/** Kills this process (or pid) after the test if it is still alive. */
export function track(child: ChildProcess | number): void {
  children.add(child)
}

/** True while a process with this pid exists (and is not a zombie): forkForTest's own check. */
export { isAlive }

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
  return childrenOf(process.pid).sort((a, b) => a - b)
}

afterEach(async () => {
  const stopping = [...threads].map((thread) => thread.close({ grace: 0 }).catch(() => thread.thread.terminate()))
  threads.clear()
  await Promise.all(stopping)
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
