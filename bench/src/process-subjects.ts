/**
 * The subjects every runtime can run, with nothing but @forkrpc/core: raw `process.send` and
 * forkrpc's `fork()`, each one child process answering `echo` (returns its input) and `park`
 * (answers at a deadline). The bench's own rows use them, and so does runtime-pair.ts, which
 * Bun and Deno run as the parent.
 */
import { fork as forkProcess, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { fork, type Serialization } from '@forkrpc/core'
import { echoContract } from './echo.contract.js'

/** The names of the json subjects, the baseline and forkrpc's defaults. */
export const RAW_PROCESS = 'raw process.send (json)'
export const FORKRPC_PROCESS = 'forkrpc (json)'
/** The name of the ceiling's row (see {@link ceiling}). */
export const CEILING_PROCESS = 'the ceiling (minimal batched RPC, json)'

/** A started subject. */
export interface Running {
  /** Calls `echo` or `park` in the child. */
  call(method: 'echo' | 'park', input: unknown): Promise<unknown>
  /** The child's pid, where the library tells it. */
  readonly pid: number | undefined
  close(): Promise<void>
}

/** Something to measure. */
export interface Subject {
  readonly name: string
  /** A worker thread: no process of its own; its memory is what this process gains. */
  readonly thread?: boolean
  start(): Promise<Running>
}

/** The compiled worker module `name` (dist/workers/<name>.worker.js). */
export const worker = (name: string): string => fileURLToPath(new URL(`./workers/${name}.worker.js`, import.meta.url))

/** Forks `module` with no extra Node options (the bench runs plain compiled JavaScript). */
export function forkChild(module: string, serialization: Serialization): ChildProcess {
  return forkProcess(module, [], { serialization, execArgv: [], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
}

/** Resolves with the child's first message (its ready signal). */
export function firstMessage(child: ChildProcess): Promise<void> {
  return new Promise((resolve, reject) => {
    child.once('message', () => resolve())
    child.once('exit', (code) => reject(new Error(`the child exited with code ${code} before it was ready`)))
  })
}

/** Disconnects the child and resolves once it has exited. */
export function closeChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve()
  return new Promise((resolve) => {
    child.once('exit', () => resolve())
    child.disconnect()
  })
}

/** Raw `process.send`: one message per call, a promise per call, ids from a counter. */
export function raw(serialization: Serialization): Subject {
  return {
    name: `raw process.send (${serialization})`,
    async start() {
      const child = forkChild(worker('raw'), serialization)
      await firstMessage(child)
      const pending = new Map<number, (value: unknown) => void>()
      let lastId = 0
      child.on('message', (message: { i: number; v: unknown }) => {
        const resolve = pending.get(message.i)
        pending.delete(message.i)
        resolve?.(message.v)
      })
      return {
        pid: child.pid,
        call(method, input) {
          const i = ++lastId
          return new Promise((resolve) => {
            pending.set(i, resolve)
            child.send({ i, m: method, v: input })
          })
        },
        close: () => closeChild(child),
      }
    },
  }
}

/**
 * The ceiling: a minimal RPC over the same channel that keeps what forkrpc's API needs per
 * call (a promise, an id from a counter, a table of pending calls) and batches every message
 * of a turn into one `send()` both ways (this side at the end of the turn, a microtask; the
 * child at setImmediate: workers/ceiling.worker.ts). It checks nothing, bounds nothing, keeps
 * no value exact that JSON does not: what forkrpc's design (json channel, a promise per call)
 * can approach, from ../shared/bench/ceiling/.
 */
export function ceiling(): Subject {
  return {
    name: CEILING_PROCESS,
    async start() {
      const child = forkChild(worker('ceiling'), 'json')
      await firstMessage(child)
      const pending = new Map<number, { res: (value: unknown) => void; rej: (reason: unknown) => void }>()
      let next = 0
      let batch: Array<{ i: number; p: string; a: unknown }> | null = null
      const flush = (): void => {
        const b = batch
        batch = null
        child.send(b as object)
      }
      child.on('message', (replies: Array<{ i: number; r?: unknown; e?: string }>) => {
        for (const reply of replies) {
          const p = pending.get(reply.i)
          pending.delete(reply.i)
          if (reply.e === undefined) p?.res(reply.r)
          else p?.rej(new Error(reply.e))
        }
      })
      return {
        pid: child.pid,
        call(method, input) {
          return new Promise((res, rej) => {
            const i = next++
            pending.set(i, { res, rej })
            if (batch === null) {
              batch = []
              queueMicrotask(flush)
            }
            batch.push({ i, p: method, a: input })
          })
        },
        close: () => closeChild(child),
      }
    },
  }
}

/** forkrpc's `fork()` with the given serialization (and, when false, no caller stacks). */
export function forkrpc(serialization: Serialization, callerStacks = true): Subject {
  return {
    name: callerStacks ? `forkrpc (${serialization})` : `forkrpc (${serialization}, callerStacks: false)`,
    async start() {
      const rpc = await fork(echoContract, worker('forkrpc'), { serialization, callerStacks, execArgv: [] })
      return {
        pid: rpc.pid,
        call: (method, input) => (method === 'echo' ? rpc.call.echo(input) : rpc.call.park(input as number)),
        close: async () => {
          await rpc.close()
        },
      }
    },
  }
}
