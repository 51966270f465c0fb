/**
 * Whether the app (this process) is shutting down, as forkrpc can tell: for good once
 * `handleSignals()` caught a signal or the app handled a SIGTERM itself (`sigterm-watch.ts`),
 * and while `shutdownAll()` runs. While it is, pools start no worker, `fork()` and
 * `spawnThread()` refuse to start one during `shutdownAll()`, and a worker that got SIGTERM
 * is left to the app's shutdown rather than closed on its own (`worker/sigterm-lead.ts`).
 */
import { debug } from '../base/debug.js'

/** The app's shutdown state: `running`, or `stopping` (signalled, or `shutdownAll()` under way). */
export class AppShutdown {
  #signal: NodeJS.Signals | undefined
  #stopsUnderWay = 0
  readonly #listeners = new Set<() => void>()

  /** Whether the app is shutting down: no worker is started any more. */
  get stopping(): boolean {
    return this.#signal !== undefined || this.#stopsUnderWay > 0
  }

  /** Whether `shutdownAll()` runs: a worker started now would escape it. */
  get stoppingAll(): boolean {
    return this.#stopsUnderWay > 0
  }

  /** Why, for errors: the signal, or `shutdownAll()`; undefined while running. */
  get reason(): string | undefined {
    return this.#signal ?? (this.#stopsUnderWay > 0 ? 'shutdownAll()' : undefined)
  }

  /** The app got `signal` and handles it: it is shutting down, for good. */
  signalled(signal: NodeJS.Signals): void {
    const was = this.stopping
    this.#signal ??= signal
    if (!was) this.#began()
  }

  /** Runs `stop` (the body of `shutdownAll()`) as a shutdown under way. */
  async during<T>(stop: () => Promise<T>): Promise<T> {
    const was = this.stopping
    this.#stopsUnderWay += 1
    if (!was) this.#began()
    try {
      return await stop()
    } finally {
      this.#stopsUnderWay -= 1
    }
  }

  /** Calls `listener` each time the app goes from running to stopping; returns the function that stops that. */
  onStopping(listener: () => void): () => void {
    this.#listeners.add(listener)
    return () => void this.#listeners.delete(listener)
  }

  #began(): void {
    debug('the app is shutting down (%s): no worker is started any more', this.reason)
    for (const listener of [...this.#listeners]) listener()
  }
}

/** This process's shutdown state. */
export const appShutdown = new AppShutdown()
