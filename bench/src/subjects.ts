/**
 * The things measured, each started the way its documentation says, with its defaults:
 * raw `process.send` (json and advanced), the ceiling (a minimal batched RPC: what forkrpc's
 * design can approach), forkrpc (json and advanced), birpc over fork,
 * workerpool's process worker and tinypool's child_process runtime. Every one runs one
 * child process and answers `echo` (returns its input) and `park` (answers at a deadline).
 */
import { createBirpc } from 'birpc'
import { Tinypool } from 'tinypool'
import workerpool from 'workerpool'
import { ceiling, closeChild, firstMessage, forkChild, forkrpc, raw, worker, type Subject } from './process-subjects.js'
import type { BirpcFunctions } from './workers/birpc.worker.js'

export { ceiling, forkrpc, raw } from './process-subjects.js'
export type { Running, Subject } from './process-subjects.js'

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

/** Every subject of the latency and throughput rows; raw json first (the baseline), then the ceiling. */
export function allSubjects(): Subject[] {
  return [raw('json'), ceiling(), raw('advanced'), forkrpc('json'), forkrpc('advanced'), forkrpc('json', false), birpc(), workerpoolProcess(), tinypoolProcess()]
}

/** The subjects of `--calls-only`: the baseline, the ceiling, and forkrpc with its defaults. */
export function callSubjects(): Subject[] {
  return [raw('json'), ceiling(), forkrpc('json')]
}
