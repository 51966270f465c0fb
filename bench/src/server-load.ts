/**
 * The load of the server row: requests arriving at a set rate, a server's, which do not wait
 * for each other (an open loop: callers in a closed loop would slow down with the pool they
 * load, and measure a smaller overload on a slower pool); a fifth of them in bursts, one a
 * second. Every call has the same deadline; a success counts only if it came within it.
 */
import { DEADLINE_MS, type FailureKind, type ServerPool } from './server-subjects.js'

export interface LoadShape {
  /** Arrivals per second, bursts included. */
  perSecond: number
  /** How long calls arrive, ms. */
  ms: number
  /** PBKDF2 rounds of each call. */
  rounds: number
}

/** What one run of the load saw. */
export interface LoadOutcome {
  /** Calls made. */
  made: number
  /** Latencies (ms) of the calls that succeeded within their deadline. */
  inTime: number[]
  /** Failures by kind ('timeout' counts successes after the deadline too). */
  failed: Record<FailureKind, number>
  /** From the first arrival until every call has settled, ms. */
  elapsed: number
}

/** The share of arrivals that come in bursts, and how often a burst comes (ms). */
const BURST_SHARE = 0.2
const BURST_EVERY = 1_000

/** Runs the load on `pool`; resolves once every call has settled. */
export async function runLoad(pool: ServerPool, shape: LoadShape): Promise<LoadOutcome> {
  const outcome: LoadOutcome = { made: 0, inTime: [], failed: { refused: 0, timeout: 0, other: 0 }, elapsed: 0 }
  const calls: Array<Promise<void>> = []
  const call = (): void => {
    const index = outcome.made++
    const start = performance.now()
    calls.push(
      pool.hash({ password: `request ${index}`, rounds: shape.rounds }).then(
        () => {
          const ms = performance.now() - start
          if (ms <= DEADLINE_MS) outcome.inTime.push(ms)
          else outcome.failed.timeout += 1
        },
        (error: unknown) => void (outcome.failed[pool.kindOf(error)] += 1),
      ),
    )
  }
  const steady = (shape.perSecond * (1 - BURST_SHARE)) / 1_000 // per ms
  const burst = Math.round((shape.perSecond * BURST_SHARE * BURST_EVERY) / 1_000)
  const started = performance.now()
  let bursts = 0
  await new Promise<void>((resolve) => {
    const tick = (): void => {
      const elapsed = Math.min(performance.now() - started, shape.ms)
      while (bursts * BURST_EVERY <= elapsed && bursts * BURST_EVERY < shape.ms) {
        bursts += 1
        for (let i = 0; i < burst; i++) call()
      }
      const due = Math.floor(elapsed * steady) + bursts * burst
      while (outcome.made < due) call()
      if (elapsed >= shape.ms) {
        clearInterval(timer)
        resolve()
      }
    }
    const timer = setInterval(tick, 10)
    tick()
  })
  await Promise.all(calls)
  outcome.elapsed = performance.now() - started
  return outcome
}
