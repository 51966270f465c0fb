/**
 * The windows behind pool.stats(): nearest-rank percentiles over the latest 1,024 samples,
 * a count of all of them, and memory that does not grow with the count.
 */
import { describe, expect, it } from 'vitest'
import { SAMPLE_WINDOW, SampleWindow } from '../../../packages/core/src/pool/sample-window.js'

describe('a window of durations', () => {
  it('gives zeros before any sample', () => {
    expect(new SampleWindow().summary()).toEqual({ count: 0, p50: 0, p90: 0, p99: 0, max: 0 })
  })

  it('gives nearest-rank percentiles of the samples, in any order', () => {
    const window = new SampleWindow()
    const samples = Array.from({ length: 100 }, (_, i) => i + 1).sort(() => Math.random() - 0.5)
    for (const ms of samples) window.add(ms)
    expect(window.summary()).toEqual({ count: 100, p50: 50, p90: 90, p99: 99, max: 100 })
    const one = new SampleWindow()
    one.add(7.5)
    expect(one.summary()).toEqual({ count: 1, p50: 7.5, p90: 7.5, p99: 7.5, max: 7.5 })
  })

  it('keeps only the latest 1,024 samples, and counts them all', () => {
    const window = new SampleWindow()
    for (let i = 0; i < SAMPLE_WINDOW; i++) window.add(1_000) // old and slow: pushed out
    for (let i = 0; i < SAMPLE_WINDOW; i++) window.add(i % 10)
    expect(window.summary()).toEqual({ count: 2 * SAMPLE_WINDOW, p50: 4, p90: 8, p99: 9, max: 9 })
  })
})
