// piscina's and tinypool's workers (both runtimes of tinypool) for the pool workloads:
// `run(task, { name })` calls the export of that name.
import { minifyCode, sha1Hex } from '../tasks.js'

export function sha1(input: string): string {
  return sha1Hex(input)
}

export function minify(source: string): Promise<string> {
  return minifyCode(source)
}
