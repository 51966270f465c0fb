/**
 * What createPool() hands each worker's start, without starting any: every option it does
 * not use itself is passed on as it is (so an option added to fork() or spawnThread() later,
 * such as `inspect`, works on pools too), the call interceptors stay with the pool, and
 * `unresponsiveAfter` reaches every worker; and the defaults of `cancelGrace` (on for a pool
 * with a timeout) and `prefetch`.
 */
import { describe, expect, it } from 'vitest'
import { DEFAULT_CANCEL_GRACE, DEFAULT_PREFETCH, procedure, defineContract, type CallInterceptor, type EventInterceptor, type PoolOptions } from '@forkrpc/core'
import { carryMetadata } from '../../../packages/core/src/pool/metadata-carrier.js'
import { readPoolOptions } from '../../../packages/core/src/pool/pool-options.js'

const contract = defineContract({ ping: procedure<void, string>() })

describe("a pool's worker options", () => {
  it('passes on every option the pool does not know, for processes and threads', () => {
    const future = { inspect: true, somethingElse: { port: 0 } }
    const processes = readPoolOptions(contract, { max: 1, env: { A: '1' }, unresponsiveAfter: 500, ...future } as PoolOptions)
    expect(processes.start).toMatchObject({ runtime: 'process', options: { env: { A: '1' }, unresponsiveAfter: 500, ...future } })
    const threads = readPoolOptions(contract, { runtime: 'thread', max: 1, ...future } as PoolOptions)
    expect(threads.start).toMatchObject({ runtime: 'thread', options: future })
  })

  it('keeps the call interceptors for the pool: its workers only carry their metadata', () => {
    const call: CallInterceptor = (intercepted, next) => next(intercepted)
    const event: EventInterceptor = (heard, next) => next(heard.payload)
    const settings = readPoolOptions(contract, { max: 1, interceptors: { call: [call], event: [event] } })
    expect(settings.callInterceptors).toEqual([call])
    expect(settings.start.options.interceptors).toEqual({ call: [carryMetadata], event: [event] })
    const without = readPoolOptions(contract, { max: 1, interceptors: { event: [event] } })
    expect(without.callInterceptors).toBeUndefined()
    expect(without.start.options.interceptors).toEqual({ event: [event] })
    expect(() => readPoolOptions(contract, { interceptors: { call: ['nope'] } } as unknown as PoolOptions)).toThrow(/createPool\(\{ interceptors \}\): call must be an array of functions/)
  })

  it('runs the timeouts itself: workers get no default timeout', () => {
    expect(readPoolOptions(contract, { timeout: 1_000 })).toMatchObject({ timeout: 1_000, start: { options: { timeout: undefined } } })
  })
})

describe("a pool's cancellation defaults", () => {
  it(`replaces runaway workers after DEFAULT_CANCEL_GRACE (${DEFAULT_CANCEL_GRACE} ms) when it has a timeout, and then sends nothing ahead`, () => {
    expect(readPoolOptions(contract, { timeout: 2_000 })).toMatchObject({ cancelGrace: DEFAULT_CANCEL_GRACE, prefetch: 0 })
    expect(readPoolOptions(contract, { runtime: 'thread', timeout: 2_000 })).toMatchObject({ cancelGrace: DEFAULT_CANCEL_GRACE, prefetch: 0 })
  })

  it('keeps cancelGrace off without a timeout (0 and Infinity are none), and the default prefetch', () => {
    for (const timeout of [undefined, 0, Infinity]) expect(readPoolOptions(contract, { timeout })).toMatchObject({ cancelGrace: undefined, prefetch: DEFAULT_PREFETCH })
  })

  it('takes what it is given: another grace, Infinity for none (the default prefetch back), an explicit prefetch', () => {
    expect(readPoolOptions(contract, { timeout: 2_000, cancelGrace: 5_000 })).toMatchObject({ cancelGrace: 5_000, prefetch: 0 })
    expect(readPoolOptions(contract, { timeout: 2_000, cancelGrace: Infinity })).toMatchObject({ cancelGrace: undefined, prefetch: DEFAULT_PREFETCH })
    expect(readPoolOptions(contract, { timeout: 2_000, prefetch: 2 })).toMatchObject({ cancelGrace: DEFAULT_CANCEL_GRACE, prefetch: 2 })
  })
})
