/**
 * The last 1,024 durations of one kind (a procedure's waits in the queue, or its runs), in a
 * ring of fixed size: recording one is O(1) and allocates nothing, and the memory is bounded
 * (8 KiB per window) however long the pool runs. Percentiles are computed when asked for.
 */

/** How many of the latest samples a window keeps. */
export const SAMPLE_WINDOW = 1024

/**
 * Percentiles of durations, in milliseconds.
 *
 * @example
 * ```ts
 * const { count, p50, p90, p99, max }: DurationStats = pool.stats().procedures.resize!.runTime
 * ```
 */
export interface DurationStats {
  /** How many were recorded since the pool started (the percentiles cover the latest 1,024 of them). */
  readonly count: number
  /** The median of the latest 1,024, in ms (0 when there is none). */
  readonly p50: number
  /** The 90th percentile, in ms. */
  readonly p90: number
  /** The 99th percentile, in ms. */
  readonly p99: number
  /** The longest of the latest 1,024, in ms. */
  readonly max: number
}

export class SampleWindow {
  readonly #samples = new Float64Array(SAMPLE_WINDOW)
  #count = 0

  add(ms: number): void {
    this.#samples[this.#count % SAMPLE_WINDOW] = ms
    this.#count += 1
  }

  /** The percentiles of the samples in the window (nearest rank). */
  summary(): DurationStats {
    const held = Math.min(this.#count, SAMPLE_WINDOW)
    if (held === 0) return { count: 0, p50: 0, p90: 0, p99: 0, max: 0 }
    const sorted = this.#samples.slice(0, held).sort()
    const at = (q: number): number => sorted[Math.min(held - 1, Math.ceil(q * held) - 1)] as number
    return { count: this.#count, p50: at(0.5), p90: at(0.9), p99: at(0.99), max: sorted[held - 1] as number }
  }
}
