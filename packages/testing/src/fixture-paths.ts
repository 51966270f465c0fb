/**
 * Absolute paths of the fixture workers that misbehave on purpose, to point your own code
 * at. They are plain JavaScript (no tsx needed) and serve whatever contract the parent
 * expects, every procedure with the same misbehaviour.
 */
import { fileURLToPath } from 'node:url'

const path = (name: string): string => fileURLToPath(new URL(`./fixtures/${name}.js`, import.meta.url))

/**
 * The fixture workers, by what they do. Each is also importable by specifier as
 * `@forkrpc/testing/fixtures/<kebab-name>` (for `import.meta.resolve`).
 *
 * | key               | behaviour                                                   | the parent sees |
 * |-------------------|-------------------------------------------------------------|-----------------|
 * | `neverReady`      | never calls serve()                                         | StartupError after `startupTimeout` |
 * | `exitsAtStartup`  | exits with `FORKRPC_FIXTURE_EXIT_CODE` (1) before serving   | StartupError with `exitCode`, `stderr` |
 * | `crashOnFirstCall`| exits with `FORKRPC_FIXTURE_EXIT_CODE` (1) on the first call | WorkerExitedError with `exitCode`, `stderr` |
 * | `hang`            | every call hangs for ever, ignoring cancellation            | TimeoutError; close() ends with exit code 1 after the shutdown bound |
 * | `ignoreSigterm`   | every call hangs; SIGTERM is ignored while one runs         | close() resolves `forced: true` |
 * | `flood`           | sends `FORKRPC_FIXTURE_FLOOD` (10,000) junk messages per call, then echoes | the right answer |
 * | `slow`            | echoes after `FORKRPC_FIXTURE_DELAY_MS` (1,000) ms          | TimeoutError for shorter timeouts |
 *
 * Settings are read from the worker's environment (inherited from the parent by default);
 * `FORKRPC_FIXTURE_SHUTDOWN_TIMEOUT_MS` sets serve()'s `shutdownTimeout` (default 3,000) in
 * every fixture that serves.
 *
 * @example
 * ```ts
 * import { fork, WorkerExitedError } from '@forkrpc/core'
 * import { fixtures } from '@forkrpc/testing'
 * const worker = await fork(myContract, fixtures.crashOnFirstCall)
 * await expect(worker.call.anything(1)).rejects.toBeInstanceOf(WorkerExitedError)
 * ```
 */
export const fixtures: Readonly<{
  neverReady: string
  exitsAtStartup: string
  crashOnFirstCall: string
  hang: string
  ignoreSigterm: string
  flood: string
  slow: string
}> = Object.freeze({
  neverReady: path('never-ready'),
  exitsAtStartup: path('exits-at-startup'),
  crashOnFirstCall: path('crash-on-first-call'),
  hang: path('hang'),
  ignoreSigterm: path('ignore-sigterm'),
  flood: path('flood'),
  slow: path('slow'),
})
