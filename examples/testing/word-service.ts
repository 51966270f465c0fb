/**
 * The parent-side code under test: a service that offloads word counting to a worker, with
 * a timeout per call, and that replaces a worker which died or stopped answering and tries
 * the call once more on the new one.
 */
import { TimeoutError, WorkerExitedError, type RpcWorker } from '@forkrpc/core'
import type { words } from './words.contract.js'

/** Starts a worker: `fork(words, ...)` in production, a mock or a fixture in tests. */
export type StartWorker = () => Promise<RpcWorker<typeof words>>

export class WordService {
  #worker: Promise<RpcWorker<typeof words>> | undefined
  /** How many workers the service has started. */
  started = 0

  constructor(
    private readonly start: StartWorker,
    private readonly timeout = 1_000,
  ) {}

  /** Counts the words of `text`; retries once on a fresh worker if the first one failed. */
  async count(text: string): Promise<number> {
    try {
      return await (await this.#current()).call.count(text, { timeout: this.timeout })
    } catch (error) {
      if (!(error instanceof WorkerExitedError || error instanceof TimeoutError)) throw error
      await this.#replace()
      return (await this.#current()).call.count(text, { timeout: this.timeout })
    }
  }

  async close(): Promise<void> {
    const worker = this.#worker
    this.#worker = undefined
    await (await worker)?.close({ grace: 100, killTimeout: 1_000 })
  }

  #current(): Promise<RpcWorker<typeof words>> {
    if (this.#worker === undefined) {
      this.started++
      this.#worker = this.start()
    }
    return this.#worker
  }

  async #replace(): Promise<void> {
    await this.close()
  }
}
