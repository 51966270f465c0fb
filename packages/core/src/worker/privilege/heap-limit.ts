/**
 * `heapLimitMb`: the worker's V8 heap limit, as each runtime takes it. A process gets
 * `--max-old-space-size` (Deno: inside `--v8-flags`), a thread its `resourceLimits`; an
 * option that would set it twice is a TypeError rather than one silently winning.
 */
import type { ResourceLimits } from 'node:worker_threads'

const NODE_HEAP_OPTION = /^--max-old-space-size(=|$)/

/**
 * The Node option for `heapLimitMb`, after checking that `execArgv` (given by the user) sets
 * no other.
 */
export function nodeHeapFlags(heapLimitMb: number | undefined, execArgv: readonly string[] | undefined, where: string): string[] {
  if (heapLimitMb === undefined) return []
  if (execArgv?.some((flag) => NODE_HEAP_OPTION.test(flag))) throw new TypeError(`${where}: heapLimitMb and a --max-old-space-size in execArgv both set the heap limit; keep one`)
  return [`--max-old-space-size=${heapLimitMb}`]
}

/** Whether `flag` (inherited from this process) sets the heap limit that `heapLimitMb` replaces. */
export function isHeapFlag(flag: string): boolean {
  return NODE_HEAP_OPTION.test(flag)
}

/** The Deno option for `heapLimitMb`, after checking that `execArgv` passes V8 no other. */
export function denoHeapFlags(heapLimitMb: number | undefined, execArgv: readonly string[], where: string): string[] {
  if (heapLimitMb === undefined) return []
  if (execArgv.some((flag) => /^--v8-flags=.*max-old-space-size/.test(flag))) throw new TypeError(`${where}: heapLimitMb and a max-old-space-size in execArgv's --v8-flags both set the heap limit; keep one`)
  return [`--v8-flags=--max-old-space-size=${heapLimitMb}`]
}

/** A thread's `resourceLimits` with `heapLimitMb` as its old generation's limit. */
export function threadLimits(heapLimitMb: number | undefined, resourceLimits: ResourceLimits | undefined, where: string): ResourceLimits | undefined {
  if (heapLimitMb === undefined) return resourceLimits
  if (resourceLimits?.maxOldGenerationSizeMb !== undefined) throw new TypeError(`${where}: heapLimitMb and resourceLimits.maxOldGenerationSizeMb both set the heap limit; keep one`)
  return { ...resourceLimits, maxOldGenerationSizeMb: heapLimitMb }
}
