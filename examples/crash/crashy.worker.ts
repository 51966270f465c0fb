import { setTimeout } from 'node:timers/promises'
import { serve } from '@forkrpc/core'
import { crashy } from './crashy.contract.js'

serve(crashy, {
  async work(ms) {
    await setTimeout(ms)
    return `worked ${ms} ms`
  },
  async crash({ how }) {
    await setTimeout(50)
    if (how === 'kill') process.kill(process.pid, 'SIGKILL')
    process.exit(3)
  },
})
