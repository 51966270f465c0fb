/** The contract of forkrpc's pool workers in the pool workloads (see tasks.ts). */
import { defineContract, procedure } from '@forkrpc/core'

export const tasksContract = defineContract({
  /** The sha1 hex digest of a ~100-byte string. */
  sha1: procedure<string, string>(),
  /** A JavaScript file's source minified by terser. */
  minify: procedure<string, string>(),
})
