/** `inspect` in a pool: one inspector per worker, each on its own free port; one fixed port is refused for several workers. */
import { describe, expect, it, vi } from 'vitest'
import { createPool, workers, type InspectEvent } from '@forkrpc/core'
import { poolContract } from '../../fixtures/pool.contract.js'
import { idleWorkers, startPool } from '../../fixtures/pool-harness.js'
import { fixture } from '../../helpers.js'

const INSPECTOR_URL = /^ws:\/\/127\.0\.0\.1:(\d+)\/[0-9a-f-]{36}$/

describe('inspect in a pool', () => {
  it('opens an inspector in each worker, each on its own free port', async () => {
    const onInspect = vi.fn<(event: InspectEvent) => void>()
    const pool = startPool({ min: 2, max: 2, inspect: true, onInspect })
    await idleWorkers(pool, 2)
    const urls = onInspect.mock.calls.map(([event]) => event.url)
    expect(urls).toHaveLength(2)
    for (const url of urls) expect(url).toMatch(INSPECTOR_URL)
    expect(new Set(urls.map((url) => INSPECTOR_URL.exec(url)?.[1])).size).toBe(2)
    expect(workers().map((info) => info.inspectorUrl).sort()).toEqual([...urls].sort())
  })

  it('refuses one fixed port for several workers, and takes it for one', () => {
    expect(() => createPool(poolContract, fixture('pool.worker.ts'), { max: 2, inspect: 9230 })).toThrow(/inspect asks for port 9230, which 2 workers cannot share/)
    expect(() => createPool(poolContract, fixture('pool.worker.ts'), { max: 2, inspect: { port: 9231 } })).toThrow(TypeError)
    const single = startPool({ max: 1, inspect: 0 })
    expect(single.stats().workers).toBe(0) // nothing started: the options were accepted
  })
})
