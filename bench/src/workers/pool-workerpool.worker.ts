// workerpool's worker (process and thread) for the pool workloads.
import workerpool from 'workerpool'
import { minifyCode, sha1Hex } from '../tasks.js'

workerpool.worker({
  sha1: (input: string): string => sha1Hex(input),
  minify: (source: string): Promise<string> => minifyCode(source),
})
