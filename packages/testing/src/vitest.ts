/**
 * `@forkrpc/testing/vitest`: forking real workers in vitest tests without leaving any
 * behind. Kept on its own subpath so that the main entry never imports vitest (an
 * optional peer dependency).
 *
 * @example
 * ```ts
 * import { forkForTest } from '@forkrpc/testing/vitest'
 * ```
 * @packageDocumentation
 */
// The import that declarations keep comes first: the comment above stays in vitest.d.ts.
import { fork, type CloseOptions, type Contract, type ForkOptions, type RpcWorker } from '@forkrpc/core'
import { fileURLToPath } from 'node:url'
import { beforeEach, onTestFinished } from 'vitest'
import { assertNoWorkers } from './no-workers.js'
import { guardWorker, type WorkerGuard } from './worker-guard.js'

/**
 * Options of {@link forkForTest}: those of `fork()`, and how the test ends.
 *
 * @example
 * ```ts
 * await forkForTest(math, workerPath, { timeout: 1_000, allowExit: true, closeOptions: { grace: 0 } })
 * ```
 */
export interface ForkForTestOptions extends ForkOptions {
  /**
   * Whether the worker may exit during the test without `close()` (the test kills it on
   * purpose, or expects it to crash). Default false: an exit the test did not ask for
   * fails the test, quoting the exit code or signal and the end of its stderr.
   */
  allowExit?: boolean | undefined
  /** How the worker is closed when the test ends. Default `{ grace: 1_000, killTimeout: 1_000 }`. */
  closeOptions?: CloseOptions | undefined
}

const DEFAULT_CLOSE: CloseOptions = { grace: 1_000, killTimeout: 1_000 }

/**
 * Forks a worker for the current test and guarantees its end: when the test finishes,
 * pass or fail, the worker is closed; then the test fails if the worker exited during
 * the test without being asked to (unless `allowExit`), if its process is still alive, or
 * if it left descendants running (those are killed). Call it inside a test (or a
 * `beforeEach`); `fork()`'s errors (StartupError, ...) reject as usual.
 *
 * @example
 * ```ts
 * import { it, expect } from 'vitest'
 * import { forkForTest } from '@forkrpc/testing/vitest'
 *
 * it('adds', async () => {
 *   const worker = await forkForTest(math, new URL('./math.worker.js', import.meta.url))
 *   expect(await worker.call.add({ a: 1, b: 2 })).toBe(3)
 * }) // closed here, even if the expectation failed
 * ```
 */
export async function forkForTest<C extends Contract>(contract: C, module: string | URL, options: ForkForTestOptions = {}): Promise<RpcWorker<C>> {
  const { allowExit = false, closeOptions = DEFAULT_CLOSE, ...forkOptions } = options
  let guard: WorkerGuard<C> | undefined
  // Registered before forking: outside a test this throws, and nothing has been started.
  onTestFinished(() => guard?.finish())
  // The generic contract may declare host procedures; their handlers then come in `forkOptions.host`.
  const worker = await (fork as (contract: C, module: string | URL, options: ForkOptions) => Promise<RpcWorker<C>>)(contract, module, forkOptions)
  guard = guardWorker(worker, { module: module instanceof URL ? fileURLToPath(module) : module, allowExit, closeOptions })
  return guard.worker
}

/**
 * Fails every test of the current file (or suite, when called inside `describe`) after
 * which a forkrpc worker is still running, with WorkersStillRunningError, and stops those
 * workers. The check runs once the test's own `forkForTest` workers have been closed (an
 * `afterEach(() => assertNoWorkers())` would run before that, and find them). It relies on
 * vitest's default order of `onTestFinished` hooks (the `sequence.hooks` option, 'stack').
 *
 * @example
 * ```ts
 * import { expectNoWorkersAfterEach, forkForTest } from '@forkrpc/testing/vitest'
 * expectNoWorkersAfterEach()
 * ```
 */
export function expectNoWorkersAfterEach(): void {
  // Registered before anything the test registers, so it runs after all of it.
  beforeEach(() => {
    onTestFinished(() => assertNoWorkers())
  })
}
