/**
 * createPool()'s checks, made before anything starts: the runtime and the options that only
 * one runtime takes (typed apart too), the host handlers of a contract with host procedures.
 */
import { describe, expect, it } from 'vitest'
import { createPool, workers } from '@forkrpc/core'
import { configured } from '../../fixtures/config.contract.js'
import { poolContract } from '../../fixtures/pool.contract.js'
import { childPids, fixture, tsx } from '../../helpers.js'

const module = fixture('pool.worker.ts')

describe('createPool() options', () => {
  it('refuses a runtime other than process or thread', () => {
    // @ts-expect-error runtime is 'process' or 'thread'
    expect(() => createPool(poolContract, module, { runtime: 'fiber' })).toThrow(new TypeError("createPool(): runtime must be 'process' or 'thread', got fiber"))
  })

  it('refuses a thread-only option on a process pool', () => {
    // @ts-expect-error resourceLimits is for thread pools
    expect(() => createPool(poolContract, module, { resourceLimits: { maxOldGenerationSizeMb: 64 } })).toThrow(TypeError)
    // @ts-expect-error resourceLimits is for thread pools
    expect(() => createPool(poolContract, module, { runtime: 'process', resourceLimits: { maxOldGenerationSizeMb: 64 } })).toThrow(
      /resourceLimits is an option of thread pools \(runtime: 'thread'\) only; this pool runs child processes/,
    )
  })

  it.each(['serialization', 'cwd', 'execPath', 'stdio', 'processGroup'] as const)('refuses the process-only option %s on a thread pool', (key) => {
    const value = { serialization: 'advanced', cwd: '/', execPath: process.execPath, stdio: 'inherit', processGroup: true }[key]
    expect(() => createPool(poolContract, module, { runtime: 'thread', [key]: value } as never)).toThrow(
      new TypeError(`createPool(): ${key} is an option of process pools (runtime: 'process') only; this pool runs worker threads`),
    )
  })

  it('types the options of each runtime apart', () => {
    // Only type checks here (tsc runs on the tests): nothing is started.
    const typed = (): void => {
      // @ts-expect-error stdio is for process pools
      createPool(poolContract, module, { runtime: 'thread', stdio: 'inherit' })
      // @ts-expect-error serialization is for process pools
      createPool(poolContract, module, { runtime: 'thread', serialization: 'advanced' })
      createPool(poolContract, module, { runtime: 'thread', resourceLimits: { maxOldGenerationSizeMb: 64 }, execArgv: tsx, maxHeapBytes: 1e8 })
      createPool(poolContract, module, { serialization: 'advanced', stdio: 'inherit', processGroup: true })
    }
    expect(typed).toBeTypeOf('function')
  })

  it('wants host handlers exactly for a contract with host procedures, checked before any worker starts', () => {
    // @ts-expect-error a contract with host procedures needs their handlers
    expect(() => createPool(configured, fixture('config.worker.ts'))).toThrow(/createPool\(\): the contract declares host procedures \("getConfig"\); pass their handlers as options.host/)
    // @ts-expect-error getConfig is missing
    expect(() => createPool(configured, fixture('config.worker.ts'), { host: {} })).toThrow(/getConfig/)
    // Typed like fork(): an empty host object type-checks, and is refused at run time.
    expect(() => createPool(poolContract, module, { host: {} })).toThrow(/options.host was given, but the contract declares no host procedures/)
    expect(childPids()).toEqual([])
  })

  it('refuses bad worker options at once, not at each start', () => {
    expect(() => createPool(poolContract, module, { maxPending: 0 })).toThrow(/maxPending/)
    // @ts-expect-error serialization is 'json' or 'advanced'
    expect(() => createPool(poolContract, module, { serialization: 'v8' })).toThrow(/serialization must be 'json' or 'advanced'/)
    expect(childPids()).toEqual([])
    expect(workers()).toEqual([])
  })
})
