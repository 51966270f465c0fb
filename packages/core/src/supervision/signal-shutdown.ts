/**
 * What `handleSignals()` does once a signal comes, as a state machine: `listening` → the
 * signal → `draining` (the app is marked as shutting down, so no worker starts; the app's
 * `beforeShutdown` runs, bounded, while the workers serve on) → `stopping` (every worker
 * stops in stages) → `done` (the handlers are removed; `onShutdown`, or the signal raised
 * again). A second signal while draining or stopping kills every worker at once and cuts
 * the drain short.
 */
import { inspect } from 'node:util'
import { debug } from '../base/debug.js'
import { limitOf, waitAtMost } from '../base/timeouts.js'
import type { AppShutdown } from './app-shutdown.js'
import type { ShutdownResult, StopOptions } from './registry.js'

/** Where a signal-led shutdown is. */
export type SignalShutdownState = 'listening' | 'draining' | 'stopping' | 'done'

/** What the shutdown works with: the signals, the app's state, the workers, the app's hooks. */
export interface SignalShutdownParts {
  readonly source: SignalSource
  readonly app: AppShutdown
  readonly stopAll: (limits: Partial<StopOptions>) => Promise<ShutdownResult[]>
  readonly killAll: () => void
  readonly limits: Partial<StopOptions>
  readonly beforeShutdown?: ((signal: NodeJS.Signals) => void | Promise<void>) | undefined
  /** The longest wait for `beforeShutdown`, in ms (`0` or `Infinity`: as long as it takes). */
  readonly beforeShutdownTimeout: number
  readonly onShutdown?: ((results: ShutdownResult[], signal: NodeJS.Signals) => void) | undefined
}

/** Where signals come from (this process), and its default action. */
export interface SignalSource {
  on(signal: NodeJS.Signals, listener: (signal: NodeJS.Signals) => void): void
  off(signal: NodeJS.Signals, listener: (signal: NodeJS.Signals) => void): void
  /** The app's own listeners of `signal` (forkrpc's watch left out). */
  appListeners(signal: NodeJS.Signals): number
  /** Sends `signal` to this process again (its default action, once nobody listens). */
  raise(signal: NodeJS.Signals): void
}

/** One `handleSignals()`. */
export class SignalShutdown {
  readonly #parts: SignalShutdownParts
  readonly #signals: readonly NodeJS.Signals[]
  #state: SignalShutdownState = 'listening'
  #hurry: (() => void) | undefined
  readonly #listener = (signal: NodeJS.Signals): void => this.#heard(signal)

  constructor(parts: SignalShutdownParts, signals: readonly NodeJS.Signals[]) {
    this.#parts = parts
    this.#signals = signals
    for (const signal of signals) parts.source.on(signal, this.#listener)
  }

  get state(): SignalShutdownState {
    return this.#state
  }

  /** Removes the handlers (a shutdown under way goes on). */
  remove(): void {
    for (const signal of this.#signals) this.#parts.source.off(signal, this.#listener)
  }

  #heard(signal: NodeJS.Signals): void {
    if (this.#state === 'listening') {
      void this.#shutDown(signal)
      return
    }
    debug('%s during the shutdown: killing every worker now', signal)
    this.#parts.killAll()
    this.#hurry?.()
  }

  async #shutDown(signal: NodeJS.Signals): Promise<void> {
    const { app, beforeShutdown, beforeShutdownTimeout, stopAll, limits, onShutdown, source } = this.#parts
    this.#state = 'draining'
    app.signalled(signal)
    if (beforeShutdown !== undefined) {
      debug('%s: beforeShutdown first (at most %d ms), the workers serving on', signal, beforeShutdownTimeout)
      const hurried = new Promise<void>((resolve) => (this.#hurry = resolve))
      await waitAtMost(Promise.race([runHook(beforeShutdown, signal), hurried]), limitOf(beforeShutdownTimeout) ?? Infinity)
      this.#hurry = undefined
    }
    this.#state = 'stopping'
    debug('%s: stopping every worker', signal)
    const results = await stopAll(limits)
    this.#state = 'done'
    // Counted before the handlers go: nobody else listens when ours is the only one.
    const alone = source.appListeners(signal) === 1
    this.remove()
    if (onShutdown !== undefined) onShutdown(results, signal)
    // The app relied on the default action (termination): raise the signal again now that no
    // listener of ours is in the way.
    else if (alone) source.raise(signal)
  }
}

/** Runs the app's hook; a hook that throws (or rejects) is reported on stderr, and the shutdown goes on. */
async function runHook(hook: (signal: NodeJS.Signals) => void | Promise<void>, signal: NodeJS.Signals): Promise<void> {
  try {
    await hook(signal)
  } catch (error) {
    process.stderr.write(`forkrpc: handleSignals' beforeShutdown failed: ${inspect(error)}; stopping the workers anyway\n`)
  }
}
