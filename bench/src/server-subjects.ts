/**
 * The pools of the server row, each of 2 workers, each call with a 2 s deadline the way its
 * users give one: forkrpc's createPool with `timeout: 2_000` (its defaults otherwise:
 * `overload: 'shed'`, `cancelGrace`), in processes and in threads; piscina with the bounded
 * queue its README advises (`maxQueue: 'auto'`, the square of its threads: "generally
 * sufficient and performs well"), twice: with an `AbortSignal.timeout(2_000)` per task (what a
 * piscina user does for a deadline; piscina then keeps waiting tasks in a queue of their own
 * that `maxQueue` does not bound, its issue #899), and without a signal (its bound applies;
 * the deadline is only checked when the answer comes). Each sorts its failures as a server
 * would answer them.
 */
import { fileURLToPath } from 'node:url'
import { createPool, PoolOverloadedError, QueueFullError, TimeoutError } from '@forkrpc/core'
import { Piscina } from 'piscina'
import { POOL_WORKERS } from './pools.js'
import { serverContract, type HashInput } from './server.contract.js'

/** Every call's deadline, ms. */
export const DEADLINE_MS = 2_000

/** How a server answers a failed call: a refusal (503, at once), a timeout (504), or anything else (500, 502). */
export type FailureKind = 'refused' | 'timeout' | 'other'

/** A started pool of the server row. */
export interface ServerPool {
  hash(input: HashInput): Promise<string>
  /** The kind of a failure of `hash()`. */
  kindOf(error: unknown): FailureKind
  close(): Promise<void>
}

export interface ServerSubject {
  readonly name: string
  readonly runtime: 'process' | 'thread'
  start(): ServerPool
}

/** The row the target compares with piscina. */
export const FORKRPC_SERVER = 'forkrpc createPool (processes)'

const worker = (name: string): string => fileURLToPath(new URL(`./workers/${name}.worker.js`, import.meta.url))

function forkrpc(runtime: 'process' | 'thread'): ServerSubject {
  return {
    name: runtime === 'process' ? FORKRPC_SERVER : 'forkrpc createPool (threads)',
    runtime,
    start() {
      const options = { min: POOL_WORKERS, max: POOL_WORKERS, timeout: DEADLINE_MS }
      const pool =
        runtime === 'process'
          ? createPool(serverContract, worker('server-forkrpc'), { ...options, execArgv: [] })
          : createPool(serverContract, worker('server-forkrpc'), { ...options, runtime: 'thread' })
      return {
        hash: (input) => pool.call.hash(input),
        kindOf: (error) => (error instanceof PoolOverloadedError || error instanceof QueueFullError ? 'refused' : error instanceof TimeoutError ? 'timeout' : 'other'),
        close: async () => {
          await pool.close()
        },
      }
    },
  }
}

function piscina(signal: boolean): ServerSubject {
  return {
    name: signal ? "piscina (threads), maxQueue 'auto', AbortSignal.timeout" : "piscina (threads), maxQueue 'auto', no signal",
    runtime: 'thread',
    start() {
      const pool = new Piscina<HashInput, string>({ filename: new URL('./workers/server-piscina.worker.js', import.meta.url).href, minThreads: POOL_WORKERS, maxThreads: POOL_WORKERS, maxQueue: 'auto' })
      return {
        hash: (input) => pool.run(input, signal ? { name: 'hash', signal: AbortSignal.timeout(DEADLINE_MS) } : { name: 'hash' }),
        // run() rejects with 'Task queue is at limit' when maxQueue tasks wait, and with an AbortError once the signal aborts.
        kindOf: (error) => ((error as Error).message === 'Task queue is at limit' ? 'refused' : (error as Error).name === 'AbortError' ? 'timeout' : 'other'),
        close: () => pool.destroy(),
      }
    },
  }
}

/** Every pool of the server row, forkrpc's first. */
export function serverSubjects(): ServerSubject[] {
  return [forkrpc('process'), forkrpc('thread'), piscina(true), piscina(false)]
}
