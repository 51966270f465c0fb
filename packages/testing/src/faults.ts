/**
 * Fault injection for the in-memory test pair: the things that go wrong between a parent
 * and a forked child (a slow pipe, a lost reply, a child that dies or disconnects, junk on
 * the channel), each producing exactly the error the real fork transport produces, so the
 * same assertions hold against a test pair and against a forked worker.
 */
import type { ExitDetails } from '@forkrpc/core'
import { workerExited, type Channel } from '@forkrpc/core/channel'
import type { MemoryChannel } from './memory-channel.js'

/**
 * How the simulated child ends: with an exit code, or killed by a signal; optionally with
 * what it wrote to stderr (`WorkerExitedError.stderr`).
 *
 * @example
 * ```ts
 * const crash: SimulatedExit = { exitCode: 1, stderr: 'FATAL: out of memory' }
 * const kill: SimulatedExit = { signal: 'SIGKILL' }
 * ```
 */
export type SimulatedExit = ({ exitCode: number; signal?: undefined } | { signal: NodeJS.Signals; exitCode?: undefined }) & { stderr?: string | undefined }

/**
 * The faults a test pair can inject. Each takes effect at once, for messages sent from then on.
 *
 * @example
 * ```ts
 * const pair = createTestPair(math, handlers)
 * const pending = pair.call.slow(10)
 * pair.faults.exit({ signal: 'SIGKILL' })
 * await expect(pending).rejects.toMatchObject({ name: 'WorkerExitedError', signal: 'SIGKILL' })
 * ```
 */
export interface Faults {
  /**
   * Every message, both ways, takes `ms` milliseconds to arrive (order is kept). A call
   * whose timeout is shorter than the round trip rejects with TimeoutError, as with a
   * slow child. `0` restores immediate delivery.
   */
  latency(ms: number): void
  /**
   * The next `count` replies (to calls of `procedure`, if given) are lost: the handler
   * runs, the caller never hears back, so the call rejects with TimeoutError if it has a
   * timeout, or waits until the pair closes or exits.
   */
  dropReplies(count?: number, procedure?: string): void
  /**
   * The child dies: calls in flight reject with WorkerExitedError carrying `exitCode` or
   * `signal` (and `stderr`), later calls reject at once with the same error ("was not
   * sent"), and the handlers' `ctx.signal` aborts. This is what `fork()` reports when a
   * child exits or is killed.
   */
  exit(how: SimulatedExit): void
  /**
   * The channel closes mid-call while the child lives on (it called
   * `process.disconnect()`): calls reject with WorkerExitedError whose `exitCode` and
   * `signal` are null ("disconnected"), as `fork()` reports it.
   */
  disconnect(): void
  /**
   * Puts a raw message on the channel as if the other side had sent it: to `'parent'`
   * (from the child) or to `'child'` (from the parent). It is serialized like any message
   * (a value Node's IPC would refuse throws here too). forkrpc ignores foreign messages and
   * drops malformed ones, as on a real channel.
   */
  inject(to: 'parent' | 'child', message: unknown): void
}

/** A Faults implementation, and the child end wrapped so that replies can be dropped. */
export interface FaultLayer {
  readonly faults: Faults
  /** The child's end, to hand to the router. */
  readonly child: Channel
  /** The current latency, for the memory channel. */
  latency(): number
}

/**
 * Builds the fault layer over a memory channel pair. `stopHandlers` is called when the
 * simulated child dies or disconnects, with the error that describes it.
 */
export function createFaultLayer(parent: MemoryChannel, child: MemoryChannel, stopHandlers: (reason: Error) => void): FaultLayer {
  let latencyMs = 0
  const drops: Array<{ procedure: string | undefined; remaining: number }> = []
  const procedureOf = new Map<string, string>()

  // Remember which procedure each request is for, to drop replies by procedure.
  child.receive((message) => {
    const request = message as { $fr?: unknown; t?: unknown; i?: unknown; m?: unknown } | null
    if (typeof request === 'object' && request !== null && request.t === 'q' && typeof request.i === 'string' && typeof request.m === 'string') {
      procedureOf.set(request.i, request.m)
    }
  })

  function shouldDrop(message: object): boolean {
    const reply = message as { t?: unknown; i?: unknown }
    if ((reply.t !== 'r' && reply.t !== 'e') || typeof reply.i !== 'string') return false
    const procedure = procedureOf.get(reply.i)
    procedureOf.delete(reply.i)
    const rule = drops.find((drop) => drop.procedure === undefined || drop.procedure === procedure)
    if (rule === undefined) return false
    if (--rule.remaining === 0) drops.splice(drops.indexOf(rule), 1)
    return true
  }

  const wrappedChild: Channel = {
    serialization: child.serialization,
    send: (message) => {
      if (drops.length > 0 && shouldDrop(message)) return
      child.send(message)
    },
    receive: (listener) => child.receive(listener),
    onClose: (listener) => child.onClose(listener),
  }

  function end(details: ExitDetails): void {
    parent.close((procedure, inFlight) => workerExited(details, procedure, inFlight))
    stopHandlers(workerExited(details))
  }

  const faults: Faults = {
    latency(ms) {
      if (typeof ms !== 'number' || !(ms >= 0) || ms === Infinity) throw new TypeError(`faults.latency(ms): ms must be a finite number >= 0, got ${String(ms)}`)
      latencyMs = ms
    },
    dropReplies(count = 1, procedure) {
      if (!Number.isInteger(count) || count < 1) throw new TypeError(`faults.dropReplies(count): count must be a positive integer, got ${String(count)}`)
      drops.push({ procedure, remaining: count })
    },
    exit(how) {
      const { exitCode, signal } = how as { exitCode?: unknown; signal?: unknown }
      const byCode = typeof exitCode === 'number' && Number.isInteger(exitCode)
      const bySignal = typeof signal === 'string' && signal.startsWith('SIG')
      if (byCode === bySignal) throw new TypeError('faults.exit(how): give either an integer exitCode or a signal such as "SIGKILL"')
      end({ exitCode: byCode ? (exitCode as number) : null, signal: bySignal ? (signal as NodeJS.Signals) : null, stderr: how.stderr })
    },
    disconnect() {
      end({ exitCode: null, signal: null })
    },
    inject(to, message) {
      if (to !== 'parent' && to !== 'child') throw new TypeError(`faults.inject(to, message): to must be 'parent' or 'child', got ${String(to)}`)
      ;(to === 'parent' ? child : parent).send(message as object)
    },
  }

  return { faults, child: wrappedChild, latency: () => latencyMs }
}
