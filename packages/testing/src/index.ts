/**
 * @forkrpc/testing: test forkrpc handlers and callers without forking processes.
 *
 * @example
 * ```ts
 * import { createTestPair } from '@forkrpc/testing'
 * ```
 * @packageDocumentation
 */
export { createTestPair } from './test-pair.js'
export type { TestPair, TestPairOptions } from './test-pair.js'
export type { Faults, SimulatedExit } from './faults.js'
export { createMemoryChannelPair } from './memory-channel.js'
export type { MemoryChannel, MemoryChannelOptions } from './memory-channel.js'
export { mockWorker } from './mock-worker.js'
export type { CallOutcome, MockWorker, MockWorkerOptions, RecordedCall } from './mock-worker.js'
export { NotImplementedError, WorkersStillRunningError } from './errors.js'
export { fixtures } from './fixture-paths.js'
export { assertNoWorkers } from './no-workers.js'
