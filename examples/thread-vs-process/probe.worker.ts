import { serve } from '@forkrpc/core'
import { probe } from './probe.contract.js'

// The same module serves a forked process and a thread: serve() notices which it is in.
serve(probe, {
  add: ({ a, b }) => a + b,
  memory: () => {
    const { rss, heapUsed } = process.memoryUsage()
    return { rss, heapUsed }
  },
})
