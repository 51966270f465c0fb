/**
 * Model-based test of the app's shutdown on a fake clock (fast-check commands): random calls,
 * SIGTERMs to the whole group, to one worker or to the parent alone, SIGINT, shutdownAll(),
 * the server draining, crashes and the passing of time, against the real AppShutdown,
 * registry, handleSignals() state machine, PoolStatus, SigtermLead, stopWorker and
 * SigtermHandling (shutdown-world.ts). After every step: no call in flight fails unless its
 * worker crashed, got a second SIGTERM, was killed or outlived its grace; the app is shutting
 * down exactly when the model says, and a pool reads `draining` then and starts no worker; a
 * worker never shuts down by itself on its first SIGTERM, reports it at most once, and its
 * parent decides within the settle time, never stopping it itself while the app shuts down;
 * the firm stage of a stop (the parent's SIGTERM) ends a worker within a few ms, and a worker
 * is never killed but by a second signal or a killTimeout too short for it; handleSignals()
 * stops no worker before its beforeShutdown settled (or its bound passed, or a second signal
 * came, which cuts it short); onShutdown comes once, after every worker is gone. At the end,
 * with time run out, whatever was to stop has stopped.
 */
import fc from 'fast-check'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { World, type WorldConfig } from './shutdown-world.js'

type Command = fc.AsyncCommand<World, World>

/** Runs the step, lets the fake clock's due work run, and checks the invariants. */
async function step(world: World, act: () => void, ms = 0): Promise<void> {
  act()
  await vi.advanceTimersByTimeAsync(ms)
  world.check()
  expect(world.violations).toEqual([])
}

class Call implements Command {
  constructor(
    readonly worker: number,
    readonly ms: number,
  ) {}
  check = (world: Readonly<World>): boolean => world.workers[this.worker]?.callable === true
  run = (world: World): Promise<void> => step(world, () => world.workers[this.worker]?.call(this.ms))
  toString = (): string => `call(w${this.worker}, ${this.ms} ms)`
}

class WorkerSigterm implements Command {
  constructor(readonly worker: number) {}
  check = (): boolean => true
  run = (world: World): Promise<void> => step(world, () => world.workers[this.worker]?.sigterm())
  toString = (): string => `sigterm(w${this.worker})`
}

class GroupSigterm implements Command {
  check = (): boolean => true
  run = (world: World): Promise<void> =>
    step(world, () => {
      world.signalParent('SIGTERM')
      for (const worker of world.workers) worker.sigterm()
    })
  toString = (): string => 'sigterm(group)'
}

class ParentSignal implements Command {
  constructor(readonly signal: NodeJS.Signals) {}
  check = (): boolean => true
  run = (world: World): Promise<void> => step(world, () => world.signalParent(this.signal))
  toString = (): string => `${this.signal}(parent)`
}

class ShutdownAll implements Command {
  check = (): boolean => true
  run = (world: World): Promise<void> => step(world, () => void world.stopAll(world.config.limits, false))
  toString = (): string => 'shutdownAll()'
}

class Drain implements Command {
  check = (world: Readonly<World>): boolean => !world.drainRequested
  run = (world: World): Promise<void> => step(world, () => world.drain())
  toString = (): string => 'drained'
}

class Crash implements Command {
  constructor(readonly worker: number) {}
  check = (): boolean => true
  run = (world: World): Promise<void> => step(world, () => world.workers[this.worker]?.crash())
  toString = (): string => `crash(w${this.worker})`
}

class Advance implements Command {
  constructor(readonly ms: number) {}
  check = (): boolean => true
  run = async (world: World): Promise<void> => {
    // In small steps, so that the invariants are checked along the way too.
    for (let left = this.ms; left > 0; left -= 25) await step(world, () => undefined, Math.min(25, left))
  }
  toString = (): string => `advance(${this.ms} ms)`
}

const MAX_WORKERS = 3
const worker = fc.nat({ max: MAX_WORKERS - 1 })
const call = fc.tuple(worker, fc.oneof(fc.integer({ min: 1, max: 600 }), fc.constantFrom(5, 150, 1_000))).map(([index, ms]) => new Call(index, ms))
const commands = fc.commands(
  [
    call,
    call, // calls twice as often: most of the invariants are about calls in flight
    call,
    worker.map((index) => new WorkerSigterm(index)),
    fc.constant(new GroupSigterm()),
    fc.constantFrom<NodeJS.Signals>('SIGTERM', 'SIGINT').map((signal) => new ParentSignal(signal)),
    fc.constant(new ShutdownAll()),
    fc.constant(new Drain()),
    worker.map((index) => new Crash(index)),
    fc.integer({ min: 1, max: 600 }).map((ms) => new Advance(ms)),
  ],
  { maxCommands: 60 },
)
const configs: fc.Arbitrary<WorldConfig> = fc.record({
  mode: fc.constantFrom('signals' as const, 'own' as const),
  workers: fc.integer({ min: 1, max: MAX_WORKERS }),
  limits: fc.record({
    grace: fc.oneof(fc.constantFrom(0, 50, 300), fc.integer({ min: 0, max: 800 })),
    killTimeout: fc.oneof(fc.constantFrom(0, 100, 300), fc.integer({ min: 0, max: 300 })),
  }),
  beforeShutdownTimeout: fc.oneof(fc.constant(50), fc.integer({ min: 50, max: 2_000 })),
  // Mostly at once (a SIGTERM before the ack is rarer: the ack follows the handshake at once).
  ackDelays: fc.array(fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 30 })), { minLength: MAX_WORKERS, maxLength: MAX_WORKERS }),
})

beforeEach(() => {
  vi.useFakeTimers()
})
afterEach(() => {
  vi.useRealTimers()
})

describe('the shutdown, as a state machine', () => {
  it('keeps its invariants under random signals, calls, crashes and drains, and ends what it must', async () => {
    await fc.assert(
      fc.asyncProperty(configs, commands, async (config, steps) => {
        vi.clearAllTimers()
        const world = new World(config)
        await vi.advanceTimersByTimeAsync(0) // the acks due at once
        await fc.asyncModelRun(() => ({ model: world, real: world }), steps)
        // Time runs out: every stop under way ends.
        await step(world, () => undefined, 60_000)
        await step(world, () => undefined, 60_000)
        const signalled = config.mode === 'signals' ? world.parentSignals.length > 0 : world.parentSignals.includes('SIGTERM') && world.drainRequested
        if (signalled || world.stopsUnderWay > 0) {
          expect(world.workers.filter((w) => w.alive).map((w) => w.id), 'workers alive after the app shut down').toEqual([])
        }
        if (config.mode === 'signals' && world.parentSignals.length > 0) expect(world.onShutdownCalls).toHaveLength(1)
        for (const w of world.workers) {
          if (w.lead.state === 'stopping') expect(w.alive, `worker ${w.id}, stopped by its lead`).toBe(false)
          // A worker that reported SIGTERM while the app ran on was stopped by its parent.
          if (w.reports > 0 && !world.app.stopping) expect(w.alive, `worker ${w.id}, SIGTERMed alone`).toBe(false)
          if (w.shutdownCause !== undefined) expect(w.alive, `worker ${w.id}, shutting down`).toBe(false)
        }
      }),
      { numRuns: 300 },
    )
  }, 120_000)
})
