/**
 * The pools of the pool workloads, each with 2 workers, started the way its documentation
 * says with its defaults otherwise: forkrpc's createPool (processes), piscina (threads),
 * tinypool (threads and child_process), workerpool (process and thread), poolifier
 * (FixedThreadPool and FixedClusterPool). Process workers get `execArgv: []`, as every forked
 * subject of the bench does, so that they do not inherit the bench's `--expose-gc`.
 */
import { fileURLToPath } from 'node:url'
import { createPool, type PoolOptions } from '@forkrpc/core'
import { Piscina } from 'piscina'
import { FixedClusterPool, FixedThreadPool } from 'poolifier'
import { Tinypool } from 'tinypool'
import workerpool from 'workerpool'
import { tasksContract } from './tasks.contract.js'

/** The number of workers of every pool. */
export const POOL_WORKERS = 2

/** A started pool: runs one task of each workload. */
export interface StartedPool {
  sha1(input: string): Promise<string>
  minify(source: string): Promise<string>
  close(): Promise<void>
}

/** A pool to measure, and where its workers run. */
export interface PoolSubject {
  readonly name: string
  readonly runtime: 'process' | 'thread'
  start(): Promise<StartedPool>
}

/** The row every pool figure is compared with. */
export const FORKRPC_POOL = 'forkrpc createPool (processes)'
/** forkrpc's pool of worker threads (the POOL THREAD ROW). */
export const FORKRPC_THREAD_POOL = 'forkrpc createPool (threads)'

const worker = (name: string): string => fileURLToPath(new URL(`./workers/${name}.worker.js`, import.meta.url))

/** Resolves once every worker has answered a task (the pools that start them lazily have started them). */
async function ready(pool: StartedPool): Promise<StartedPool> {
  await Promise.all(Array.from({ length: POOL_WORKERS * 2 }, (_, i) => pool.sha1(String(i))))
  return pool
}

/** forkrpc's createPool; `extra` is merged into its options (the thread row: POOL THREAD ROW below). */
export function forkrpcPool(runtime: 'process' | 'thread' = 'process', extra: PoolOptions = {}): PoolSubject {
  return {
    name: runtime === 'process' ? FORKRPC_POOL : FORKRPC_THREAD_POOL,
    runtime,
    start() {
      const pool = createPool(tasksContract, worker('pool-forkrpc'), { max: POOL_WORKERS, min: POOL_WORKERS, execArgv: [], ...extra })
      return ready({
        sha1: (input) => pool.call.sha1(input),
        minify: (source) => pool.call.minify(source),
        close: async () => {
          await pool.close()
        },
      })
    },
  }
}

export function piscinaThreads(): PoolSubject {
  return {
    name: 'piscina (threads)',
    runtime: 'thread',
    start() {
      const pool = new Piscina<string, string>({ filename: new URL('./workers/pool-tasks.worker.js', import.meta.url).href, minThreads: POOL_WORKERS, maxThreads: POOL_WORKERS })
      return ready({
        sha1: (input) => pool.run(input, { name: 'sha1' }),
        minify: (source) => pool.run(source, { name: 'minify' }),
        close: () => pool.destroy(),
      })
    },
  }
}

export function tinypool(runtime: 'worker_threads' | 'child_process'): PoolSubject {
  return {
    name: runtime === 'child_process' ? "tinypool (runtime 'child_process')" : 'tinypool (threads)',
    runtime: runtime === 'child_process' ? 'process' : 'thread',
    start() {
      const options = { filename: worker('pool-tasks'), minThreads: POOL_WORKERS, maxThreads: POOL_WORKERS }
      const pool = new Tinypool(runtime === 'child_process' ? { ...options, runtime, execArgv: [] } : options)
      return ready({
        sha1: (input) => pool.run(input, { name: 'sha1' }) as Promise<string>,
        minify: (source) => pool.run(source, { name: 'minify' }) as Promise<string>,
        close: () => pool.destroy(),
      })
    },
  }
}

export function workerpoolPool(workerType: 'process' | 'thread'): PoolSubject {
  return {
    name: `workerpool (workerType '${workerType}')`,
    runtime: workerType,
    start() {
      const options = { workerType, minWorkers: POOL_WORKERS, maxWorkers: POOL_WORKERS }
      const pool = workerpool.pool(worker('pool-workerpool'), workerType === 'process' ? { ...options, forkOpts: { execArgv: [] } } : options)
      const exec = (method: 'sha1' | 'minify', input: string): Promise<string> => Promise.resolve(pool.exec(method, [input]))
      return ready({
        sha1: (input) => exec('sha1', input),
        minify: (source) => exec('minify', source),
        close: async () => {
          await pool.terminate()
        },
      })
    },
  }
}

export function poolifier(kind: 'thread' | 'cluster'): PoolSubject {
  return {
    name: kind === 'thread' ? 'poolifier FixedThreadPool' : 'poolifier FixedClusterPool',
    runtime: kind === 'thread' ? 'thread' : 'process',
    start() {
      const pool =
        kind === 'thread'
          ? new FixedThreadPool<string, string>(POOL_WORKERS, worker('pool-poolifier-thread'))
          : new FixedClusterPool<string, string>(POOL_WORKERS, fileURLToPath(new URL('./workers/pool-poolifier-cluster.worker.cjs', import.meta.url)), { settings: { execArgv: [] } })
      return ready({
        sha1: (input) => pool.execute(input, 'sha1'),
        minify: (source) => pool.execute(source, 'minify'),
        close: () => pool.destroy(),
      })
    },
  }
}

/** Every pool, forkrpc's first (the one the others are compared with). */
export function poolSubjects(): PoolSubject[] {
  return [
    forkrpcPool('process'),
    // POOL THREAD ROW: the same pool of worker threads (`runtime: 'thread'`).
    forkrpcPool('thread', { runtime: 'thread' }),
    piscinaThreads(),
    tinypool('worker_threads'),
    tinypool('child_process'),
    workerpoolPool('thread'),
    workerpoolPool('process'),
    poolifier('thread'),
    poolifier('cluster'),
  ]
}
