/**
 * What keeps this process's event loop alive for a child worker: its process handle while it
 * starts and while it is being stopped, and its IPC pipe while calls are in flight. Node's
 * `child.channel` has `ref()` and `unref()`; Bun's has neither (Bun 1.4.5, oven-sh/bun issue
 * 33593), and its pipe never holds the loop: there the child's process handle (`ref()` and
 * `unref()`, which every runtime has) holds it for the calls too, while either needs it.
 */
import type { ChildProcess } from 'node:child_process'

/** The IPC channel object, where the runtime gives it `ref()` and `unref()`. */
interface RefCountedChannel {
  ref(): void
  unref(): void
}

function refCounted(channel: unknown): channel is RefCountedChannel {
  const candidate = channel as Partial<RefCountedChannel> | null | undefined
  return typeof candidate?.ref === 'function' && typeof candidate.unref === 'function'
}

/** Why a child's process handle holds the loop: it is starting or stopping, or (Bun) calls are in flight. */
class ProcessHold {
  /** A child holds the loop from its start until told otherwise, as Node's does. */
  #lifecycle = true
  #calls = false
  readonly #child: ChildProcess

  constructor(child: ChildProcess) {
    this.#child = child
  }

  set(reason: 'lifecycle' | 'calls', active: boolean): void {
    if (reason === 'lifecycle') this.#lifecycle = active
    else this.#calls = active
    if (this.#lifecycle || this.#calls) this.#child.ref()
    else this.#child.unref()
  }
}

const holds = new WeakMap<ChildProcess, ProcessHold>()

function processHold(child: ChildProcess): ProcessHold {
  let hold = holds.get(child)
  if (hold === undefined) holds.set(child, (hold = new ProcessHold(child)))
  return hold
}

/**
 * Makes `child`'s process handle hold this process's event loop (`active`: starting,
 * stopping) or not (idle: a script that is done may exit).
 */
export function holdChildProcess(child: ChildProcess, active: boolean): void {
  processHold(child).set('lifecycle', active)
}

/**
 * Makes `child`'s IPC pipe hold this process's event loop while calls are in flight
 * (`active`), or not; where the pipe cannot (Bun), the child's process handle does. Once the
 * child has disconnected, nothing is in flight: whatever held the loop for calls lets go.
 */
export function holdIpcChannel(child: ChildProcess, active: boolean): void {
  if (!child.connected) return holds.get(child)?.set('calls', false)
  const channel: unknown = child.channel
  if (!refCounted(channel)) return processHold(child).set('calls', active)
  if (active) channel.ref()
  else channel.unref()
}
