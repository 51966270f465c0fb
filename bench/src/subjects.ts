/**
 * The things measured, each started the way its documentation says, with its defaults:
 * raw `process.send` (json and advanced), forkrpc (json and advanced), birpc over fork,
 * workerpool's process worker and tinypool's child_process runtime. Every one runs one
 * child process and answers `echo` (returns its input) and `park` (answers at a deadline).
 */
import { fork as forkProcess, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { fork, type Serialization } from '@forkrpc/core'
import { createBirpc } from 'birpc'
import { Tinypool } from 'tinypool'
import workerpool from 'workerpool'
import { echoContract } from './echo.contract.js'
import type { BirpcFunctions } from './workers/birpc.worker.js'

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

const worker = (name: string): string => fileURLToPath(new URL(`./workers/${name}.worker.js`, import.meta.url))

/** Forks `module` with no extra Node options (the bench runs plain compiled JavaScript). */
function forkChild(module: string, serialization: Serialization): ChildProcess {
  return forkProcess(module, [], { serialization, execArgv: [], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
}

function firstMessage(child: ChildProcess): Promise<void> {
  return new Promise((resolve, reject) => {
    child.once('message', () => resolve())
    child.once('exit', (code) => reject(new Error(`the child exited with code ${code} before it was ready`)))
  })
}

function closeChild(child: ChildProcess): Promise<void> {
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

/** birpc over the fork IPC channel (json), with its defaults (a 60 s timeout per call). */
export function birpc(): Subject {
  return {
    name: 'birpc over fork',
    async start() {
      const child = forkChild(worker('birpc'), 'json')
      await firstMessage(child)
      const rpc = createBirpc<BirpcFunctions>(
        {},
        {
          post: (data) => child.send(data),
          on: (listener) => child.on('message', listener),
        },
      )
      return {
        pid: child.pid,
        call: (method, input) => (method === 'echo' ? rpc.echo(input) : rpc.park(input as number)),
        close: () => closeChild(child),
      }
    },
  }
}

/** workerpool with one process worker. Ready once the first task has been answered. */
export function workerpoolProcess(): Subject {
  return {
    name: "workerpool (workerType 'process')",
    async start() {
      const pool = workerpool.pool(worker('workerpool'), { workerType: 'process', minWorkers: 1, maxWorkers: 1, forkOpts: { execArgv: [] } })
      const call = (method: 'echo' | 'park', input: unknown): Promise<unknown> => Promise.resolve(pool.exec(method, [input]))
      await call('echo', null)
      return {
        pid: undefined,
        call,
        close: async () => {
          await pool.terminate()
        },
      }
    },
  }
}

/** tinypool with one child_process worker. Ready once the first task has been answered. */
export function tinypoolProcess(): Subject {
  return {
    name: "tinypool (runtime 'child_process')",
    async start() {
      const pool = new Tinypool({ filename: worker('tinypool'), runtime: 'child_process', minThreads: 1, maxThreads: 1, execArgv: [] })
      const call = (method: 'echo' | 'park', input: unknown): Promise<unknown> => pool.run(input, { name: method })
      await call('echo', null)
      return {
        pid: undefined,
        call,
        close: () => pool.destroy(),
      }
    },
  }
}

/** Every subject of the latency and throughput rows; raw json first (the baseline). */
export function allSubjects(): Subject[] {
  return [raw('json'), raw('advanced'), forkrpc('json'), forkrpc('advanced'), forkrpc('json', false), birpc(), workerpoolProcess(), tinypoolProcess()]
}
