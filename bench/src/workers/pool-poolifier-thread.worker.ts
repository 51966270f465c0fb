// poolifier's FixedThreadPool worker for the pool workloads: the module's default export is a
// ThreadWorker holding the task functions, as poolifier's README shows.
import { ThreadWorker } from 'poolifier'
import { minifyCode, sha1Hex } from '../tasks.js'

export default new ThreadWorker<string, string>({
  sha1: (input) => sha1Hex(input ?? ''),
  // async: poolifier tells async task functions by their type (AsyncFunction), and runs any
  // other as synchronous, sending back the promise it returns (DataCloneError on a thread).
  minify: async (source) => minifyCode(source ?? ''),
})
