import { setTimeout } from 'node:timers/promises'
import { serve } from '@forkrpc/core'
import { sleeper, type AbortSeen } from './sleeper.contract.js'

let lastAbort: AbortSeen | null = null

serve(sleeper, {
  async slow(ms, { signal }) {
    // Record the reason as soon as the signal aborts (the listener runs synchronously,
    // before any later message from the parent is handled).
    signal.addEventListener('abort', () => {
      const reason = signal.reason as Error
      lastAbort = { name: reason.name, message: reason.message }
    }, { once: true })
    // Rejects as soon as the signal aborts, so the worker stops working on a call that
    // nobody waits for any more.
    await setTimeout(ms, undefined, { signal })
    return `slept ${ms} ms`
  },
  lastAbort: () => lastAbort,
})
