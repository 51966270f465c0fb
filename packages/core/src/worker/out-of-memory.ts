/**
 * Telling a worker that ran out of memory from one that crashed otherwise. V8 aborts a process
 * over its heap limit (SIGABRT) after printing "JavaScript heap out of memory" (Node) or
 * "Fatal JavaScript out of memory" (Deno) to stderr; the line is looked for in the whole
 * stream, not in the tail kept for errors, which native stack frames may have pushed it out of.
 * A thread over its `resourceLimits` fails with `ERR_WORKER_OUT_OF_MEMORY` instead.
 */
import type { Readable } from 'node:stream'

const MARKERS = ['JavaScript heap out of memory', 'Fatal JavaScript out of memory']
const LONGEST = Math.max(...MARKERS.map((marker) => marker.length))

/** Whether a process's stderr said it ran out of memory. */
export class OutOfMemoryWatch {
  #seen = false
  /** The end of the last chunk, so a marker cut in two by a chunk boundary is still found. */
  #carry = ''

  constructor(stderr: Readable | null | undefined) {
    const watch = (chunk: Buffer | string): void => {
      const text = this.#carry + chunk.toString()
      if (MARKERS.some((marker) => text.includes(marker))) {
        this.#seen = true
        stderr?.off('data', watch)
      }
      this.#carry = text.slice(-(LONGEST - 1))
    }
    stderr?.on('data', watch)
  }

  /** True once stderr has said it. */
  get seen(): boolean {
    return this.#seen
  }
}

/** Whether a thread's uncaught error says it went over its `resourceLimits`. */
export function isThreadOutOfMemory(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === 'ERR_WORKER_OUT_OF_MEMORY'
}
