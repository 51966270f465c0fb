// forkrpc's pool worker for the pool workloads.
import { serve } from '@forkrpc/core'
import { tasksContract } from '../tasks.contract.js'
import { minifyCode, sha1Hex } from '../tasks.js'

serve(tasksContract, {
  sha1: (input) => sha1Hex(input),
  minify: (source) => minifyCode(source),
})
