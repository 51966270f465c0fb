/**
 * The work of the pool workloads, shared by every pool's worker module and by the inline
 * reference run in the parent, so that all of them compute exactly the same thing.
 */
import { createHash } from 'node:crypto'
import { minify } from 'terser'

/** Workload A (tiny tasks): the sha1 hex digest of the input. */
export function sha1Hex(input: string): string {
  return createHash('sha1').update(input).digest('hex')
}

/** Workload B (a real workload): terser's minified code for one file, terser's defaults. */
export async function minifyCode(source: string): Promise<string> {
  const { code } = await minify(source)
  if (code === undefined) throw new Error('terser returned no code')
  return code
}
