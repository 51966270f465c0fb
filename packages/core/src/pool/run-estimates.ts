/**
 * How long each procedure's handler runs, as the overload policy estimates it: an
 * exponentially weighted moving average of its recent runs (each new run weighs a quarter),
 * known once it has run `ESTIMATE_AFTER` times. O(1) per run, and a few numbers per
 * procedure however long the pool runs.
 */

/** Runs of a procedure before its estimate is used (the first runs of a worker are often slower). */
export const ESTIMATE_AFTER = 3

/** The weight of each new run in the average. */
const WEIGHT = 0.25

export class RunEstimates {
  readonly #procedures = new Map<string, { mean: number; runs: number }>()

  /** A handler of `procedure` ran `ms` (to its end, or to the call's deadline). */
  ran(procedure: string, ms: number): void {
    const known = this.#procedures.get(procedure)
    if (known === undefined) this.#procedures.set(procedure, { mean: ms, runs: 1 })
    else {
      known.mean += WEIGHT * (ms - known.mean)
      known.runs += 1
    }
  }

  /** How long a handler of `procedure` is expected to run, in ms; undefined until it ran `ESTIMATE_AFTER` times. */
  of(procedure: string): number | undefined {
    const known = this.#procedures.get(procedure)
    return known === undefined || known.runs < ESTIMATE_AFTER ? undefined : known.mean
  }
}
