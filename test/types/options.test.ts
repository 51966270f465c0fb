/**
 * Type tests: the options as apps write them compile. Values that may be undefined
 * (`timeout: config.timeout`), a runtime chosen at run time (`useThreads ? 'thread' :
 * undefined`), readonly arrays (`as const`). Checked by `pnpm typecheck` twice: with the
 * repository's settings, and with `exactOptionalPropertyTypes` (test/types/tsconfig.json),
 * under which an optional property takes `undefined` only if its type says so. Each
 * `@ts-expect-error` must have an error under it: what the types can still check, they do.
 * The starts are in functions never called; the run-time checks of what types cannot see
 * run at the end.
 */
import { describe, expect, expectTypeOf, it } from 'vitest'
import {
  createPool,
  defineContract,
  fork,
  handleSignals,
  inputStream,
  procedure,
  serve,
  shutdownAll,
  spawnThread,
  stream,
  type CloseOptions,
  type ErrorClass,
  type Interceptors,
  type OverloadMode,
  type PoolOptions,
  type WorkerRuntime,
} from '@forkrpc/core'
import { createTestPair, mockWorker } from '@forkrpc/testing'
import { forkForTest } from '@forkrpc/testing/vitest'
import { connectNats, serveNats } from '@forkrpc/nats'
import { tracingInterceptors } from '@forkrpc/tracing'
import type { NatsConnection } from '@nats-io/transport-node'

/** An app's configuration: every field may be missing. */
interface Config {
  useThreads: boolean
  runtime: WorkerRuntime
  max?: number
  timeout?: number
  grace?: number
  killTimeout?: number
  cancelGrace?: number
  overload?: OverloadMode
  idempotent?: boolean
  credit?: number
  priority?: number
  key?: string
  errors?: readonly ErrorClass[]
  interceptors?: Interceptors
  allowExit?: boolean
  close?: CloseOptions
  signal?: AbortSignal
}
const config: Config = { useThreads: false, runtime: 'process' }
declare const connection: NatsConnection

const math = defineContract(
  {
    add: procedure<{ a: number; b: number }, number>({ timeout: config.timeout, idempotent: config.idempotent }),
    numbers: stream<number, number>({ timeout: config.timeout, credit: config.credit }),
    upload: inputStream<string, number>({ timeout: undefined }),
  },
  { errors: config.errors, events: undefined },
)
const module = new URL('./math.worker.js', import.meta.url)
const execArgv = ['--import', 'tsx'] as const
const handlers = { add: ({ a, b }: { a: number; b: number }) => a + b, numbers: async function* () {}, upload: async () => 0 }

describe('options as apps write them', () => {
  it('type-check: a pool runtime chosen at run time, and options that may be undefined', () => {
    const typed = async (): Promise<void> => {
      createPool(math, module, { runtime: config.useThreads ? 'thread' : undefined, max: config.max })
      createPool(math, module, { runtime: config.runtime, timeout: config.timeout, cancelGrace: config.cancelGrace, overload: config.overload, execArgv, heapLimitMb: undefined })
      const shared = { max: 4, idleTimeout: 0 } satisfies PoolOptions
      createPool(math, module, { ...shared, runtime: config.runtime })
      // A runtime the compiler knows still checks the options of the other runtime.
      // @ts-expect-error stdio is for process pools
      createPool(math, module, { runtime: 'thread', stdio: 'inherit' })
      // @ts-expect-error resourceLimits is for thread pools
      createPool(math, module, { runtime: 'process', resourceLimits: { maxOldGenerationSizeMb: 64 } })
      createPool(math, module, { runtime: 'thread', resourceLimits: { maxOldGenerationSizeMb: 64 } })
      createPool(math, module, { serialization: 'advanced', stdio: 'inherit', processGroup: true })
      // With a runtime chosen at run time, an option of one runtime only cannot be checked: refused.
      // @ts-expect-error serialization is for process pools, and the runtime may be 'thread'
      createPool(math, module, { runtime: config.runtime, serialization: 'advanced' })
      // @ts-expect-error resourceLimits is for thread pools, and the runtime may be 'process'
      createPool(math, module, { runtime: config.useThreads ? 'thread' : undefined, resourceLimits: { maxOldGenerationSizeMb: 64 } })

      const pool = createPool(math, module, { runtime: config.runtime })
      await pool.call.add({ a: 1, b: 2 }, { timeout: config.timeout, priority: config.priority, key: config.key, signal: config.signal })
      for await (const n of pool.call.numbers(1, { timeout: config.timeout, credit: config.credit, signal: undefined })) expectTypeOf(n).toBeNumber()
      await pool.call.upload(['a'] as const, { timeout: config.timeout, credit: undefined })
      await pool.close({ grace: config.grace, killTimeout: config.killTimeout })
    }
    expectTypeOf(typed).returns.resolves.toBeVoid()
  })

  it('type-check: workers, their calls and their stops, with values that may be undefined', () => {
    const typed = async (): Promise<void> => {
      const worker = await fork(math, module, { timeout: config.timeout, execArgv, args: ['--verbose'] as const, env: undefined, cwd: undefined })
      await worker.call.add({ a: 1, b: 2 }, { timeout: config.timeout, signal: config.signal })
      await worker.close({ grace: config.grace })
      const thread = await spawnThread(math, module, { timeout: config.timeout, execArgv, resourceLimits: undefined, interceptors: config.interceptors })
      await thread.close(config.close)
      await shutdownAll({ grace: config.grace, killTimeout: config.killTimeout })
      serve(math, handlers, { timeout: config.timeout, shutdownTimeout: undefined, watchdog: config.allowExit, interceptors: config.interceptors, onShutdown: undefined })
      handleSignals({ signals: ['SIGTERM'] as const, grace: config.grace, killTimeout: undefined, beforeShutdownTimeout: config.timeout })
    }
    expectTypeOf(typed).returns.resolves.toBeVoid()
  })

  it('type-check: the testing helpers', () => {
    const typed = async (): Promise<void> => {
      createTestPair(math, handlers, { timeout: config.timeout, interceptors: config.interceptors, latency: undefined })
      mockWorker(math, {}, { timeout: config.timeout, grace: config.grace, killTimeout: undefined })
      await forkForTest(math, module, { timeout: config.timeout, allowExit: config.allowExit, closeOptions: config.close })
    }
    expectTypeOf(typed).returns.resolves.toBeVoid()
  })

  it('type-check: NATS and tracing', () => {
    const typed = async (): Promise<void> => {
      const server = await serveNats(math, handlers, { connection, subject: 'math', queue: config.key, grace: config.grace, heartbeat: undefined, maxPending: config.max })
      const worker = await connectNats(math, { connection, subject: 'math', timeout: config.timeout, heartbeatTimeout: undefined, maxPending: config.max })
      await worker.close(config.close)
      await server.close({ grace: config.grace, shutdownTimeout: undefined })
      const pool = createPool(math, module, { runtime: config.runtime, interceptors: tracingInterceptors({ service: config.key, tracerProvider: undefined }) })
      await pool.close()
    }
    expectTypeOf(typed).returns.resolves.toBeVoid()
  })
})

describe('what the types cannot see is checked at run time', () => {
  /** The runtime an app picks from its environment: not known to the compiler. */
  const chosen = (threads: boolean): WorkerRuntime | undefined => (threads ? 'thread' : undefined)

  it('refuses, with a TypeError, an option of the runtime not chosen (undefined: processes), which a cast or JavaScript let through', () => {
    const processOnly = { runtime: chosen(true), serialization: 'advanced' } as PoolOptions
    expect(() => createPool(math, module, processOnly)).toThrow(new TypeError("createPool(): serialization is an option of process pools (runtime: 'process') only; this pool runs worker threads"))
    const threadOnly = { runtime: chosen(false), resourceLimits: { maxOldGenerationSizeMb: 64 } } as PoolOptions
    expect(() => createPool(math, module, threadOnly)).toThrow(new TypeError("createPool(): resourceLimits is an option of thread pools (runtime: 'thread') only; this pool runs child processes"))
  })

  it('treats an option given as undefined as left out', async () => {
    // min 0: no worker starts; the defaults stand where undefined was given.
    const pool = createPool(math, module, { runtime: chosen(false), min: undefined, max: undefined, maxQueue: undefined, overload: undefined })
    expect(pool.stats()).toMatchObject({ state: 'running', workers: 0, queued: 0 })
    expect(await pool.close({ grace: undefined, killTimeout: undefined })).toEqual([])
  })
})
