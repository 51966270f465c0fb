import { setTimeout } from 'node:timers/promises'
import { serve } from '@forkrpc/core'
import { jobs } from './jobs.contract.js'

serve(jobs, {
  async thumbnail({ image }) {
    await setTimeout(200) // asynchronous work: the worker still answers the pool's pings
    return { image, worker: process.pid }
  },
  parse: (text) => {
    let steps = 0
    for (;;) steps += text.length // the event loop never turns again: not even a ping gets through
  },
  pid: () => process.pid,
})
