/**
 * The thread rows: forkrpc's spawnThread() against raw worker thread messages
 * (`worker.postMessage`), one call in flight (tiny and ~1 KB) and 100 in flight.
 */
import { fileURLToPath } from 'node:url'
import { Worker } from 'node:worker_threads'
import { spawnThread } from '@forkrpc/core'
import { echoContract } from './echo.contract.js'
import { measurePair, type PairResults, type PairSettings } from './measure.js'
import type { Running, Subject } from './subjects.js'

const worker = (name: string): string => fileURLToPath(new URL(`./workers/${name}.worker.js`, import.meta.url))

/** The baseline of the thread rows. */
export const RAW_THREAD = 'raw worker.postMessage (thread)'
export const FORKRPC_THREAD = 'forkrpc spawnThread'

/** Raw worker thread messages: one message per call, a promise per call in a Map keyed by a counter. */
export function rawThread(): Subject {
  return {
    name: RAW_THREAD,
    async start() {
      const thread = new Worker(worker('raw-thread'))
      await new Promise<void>((resolve, reject) => {
        thread.once('message', () => resolve())
        thread.once('error', reject)
        thread.once('exit', (code) => reject(new Error(`the thread exited with code ${code} before it was ready`)))
      })
      const pending = new Map<number, (value: unknown) => void>()
      let lastId = 0
      thread.on('message', (message: { i: number; v: unknown }) => {
        const resolve = pending.get(message.i)
        pending.delete(message.i)
        resolve?.(message.v)
      })
      return {
        pid: undefined,
        call(method, input) {
          const i = ++lastId
          return new Promise((resolve) => {
            pending.set(i, resolve)
            thread.postMessage({ i, m: method, v: input })
          })
        },
        close: async () => {
          await thread.terminate()
        },
      }
    },
  }
}

/** forkrpc's spawnThread() with its defaults, serving the same worker module as fork(). */
export function forkrpcThread(): Subject {
  return {
    name: FORKRPC_THREAD,
    thread: true,
    async start() {
      const rpc = await spawnThread(echoContract, worker('forkrpc'))
      return {
        pid: undefined,
        call: (method, input) => (method === 'echo' ? rpc.call.echo(input) : rpc.call.park(input as number)),
        close: async () => {
          await rpc.close()
        },
      }
    },
  }
}

/** How the thread rows are measured. */
export type ThreadSettings = PairSettings

/** The thread rows. */
export type ThreadResults = PairResults

/** The thread rows: both subjects started, warmed up, measured interleaved, closed. */
export async function measureThreads(settings: ThreadSettings, log: (text: string) => void): Promise<ThreadResults> {
  return measurePair([rawThread(), forkrpcThread()], settings, 'threads', log)
}
