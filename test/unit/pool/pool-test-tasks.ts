/**
 * Shared by the unit tests of the pool's queue and task: tasks made without a pool, and
 * what became of them.
 */
import { procedure } from '@forkrpc/core'
import { readCallOptions } from '../../../packages/core/src/rpc/call-options.js'
import { PoolTask } from '../../../packages/core/src/pool/pool-task.js'

/** What became of a task's promise so far. */
export interface Outcome {
  settled: boolean
  value?: unknown
  error?: unknown
}

/** A task of procedure `name` (its options checked as a pool checks them), and its outcome. */
export function makeTask(
  name: string,
  options: { timeout?: number; signal?: AbortSignal; onProgress?: (payload: unknown) => void; idempotent?: boolean; priority?: number; key?: string } = {},
): { task: PoolTask; outcome: Outcome } {
  const declaration = procedure<void, unknown>({ idempotent: options.idempotent ?? false })
  const settings = readCallOptions(name, declaration, { timeout: options.timeout, signal: options.signal, onProgress: options.onProgress }, undefined)
  const outcome: Outcome = { settled: false }
  const task = new PoolTask({
    name,
    declaration,
    input: undefined,
    settings,
    routing: { priority: options.priority ?? 0, key: options.key },
    resolve: (value) => Object.assign(outcome, { settled: true, value }),
    reject: (error) => Object.assign(outcome, { settled: true, error }),
  })
  return { task, outcome }
}
