/**
 * `@forkrpc/testing`: test forkrpc handlers and callers: an in-memory pair with fault
 * injection, a mock worker, a check that no worker is left running, and fixture workers
 * that misbehave on purpose. The vitest helpers are in `@forkrpc/testing/vitest`.
 *
 * @example
 * ```ts
 * import { assertNoWorkers, createTestPair, fixtures, mockWorker } from '@forkrpc/testing'
 * ```
 * @packageDocumentation
 */
export { createTestPair } from './test-pair.js'
export type { TestPair, TestPairOptions } from './test-pair.js'
export type { Faults, SimulatedExit } from './faults.js'
export { createMemoryChannelPair } from './memory-channel.js'
export type { MemoryChannel, MemoryChannelOptions } from './memory-channel.js'
export { mockWorker } from './mock-worker.js'
export type { CallOutcome, MockWorker, MockWorkerOptions, RecordedCall, RecordedInput, RecordedOutput } from './mock-worker.js'
export { NotImplementedError, WorkersStillRunningError } from './errors.js'
export type { WorkersStillRunningErrorOptions } from './errors.js'
export { fixtures } from './fixture-paths.js'
export { assertNoWorkers } from './no-workers.js'
