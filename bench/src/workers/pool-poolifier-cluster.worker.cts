// poolifier's FixedClusterPool worker for the pool workloads: like its thread worker, with
// ClusterWorker (poolifier's README and its express-cluster example); the pool forks this
// file with node:cluster (cluster.setupPrimary({ exec })).
//
// CommonJS, not ESM: on Node 20 a cluster worker's IPC channel reads from the start, and the
// pool sends its startup message on 'online', while an ESM worker is still loading its
// imports; the message is dropped, the worker never answers, and every task waits for ever
// (no error). A CommonJS worker registers synchronously. So this file repeats tasks.ts (one
// line of crypto, terser's CommonJS build of the same version); the bench checks its outputs
// against the inline ones like every other subject's.
import crypto = require('node:crypto')
import poolifier = require('poolifier')
import terser = require('terser')

async function minifyCode(source: string): Promise<string> {
  const { code } = await terser.minify(source)
  if (code === undefined) throw new Error('terser returned no code')
  return code
}

export = new poolifier.ClusterWorker<string, string>({
  sha1: (input) => crypto.createHash('sha1').update(input ?? '').digest('hex'),
  // async: poolifier tells async task functions by their type (AsyncFunction), and runs any
  // other as synchronous, sending back the promise it returns (DataCloneError on a thread).
  minify: async (source) => minifyCode(source ?? ''),
})
