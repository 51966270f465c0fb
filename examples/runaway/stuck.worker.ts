import { serve } from '@forkrpc/core'
import { stuck } from './stuck.contract.js'

serve(stuck, {
  // A synchronous loop (think: a catastrophic regex, a bug in a parser). The event loop
  // does not turn, so ctx.signal cannot abort it: only killing the process stops it.
  crunch: ({ iterations }) => {
    let x = 0
    for (let i = 0; i < iterations; i++) x = (x * 31 + i) % 1_000_003
    return x
  },
  ping: () => process.pid,
})
