import { setTimeout } from 'node:timers/promises'
import { serve } from '@forkrpc/core'
import { tenants } from './tenants.contract.js'

/** What this worker has loaded, per tenant: its "warm cache". */
const loaded = new Map<string, Map<string, string>>()

serve(tenants, {
  async lookup({ tenant, query }) {
    let data = loaded.get(tenant)
    const warm = data !== undefined
    if (data === undefined) {
      await setTimeout(50) // loading the tenant's data: the cost that keys avoid paying twice
      data = new Map([['plan', tenant === 'acme' ? 'enterprise' : 'free']])
      loaded.set(tenant, data)
    }
    return { answer: data.get(query) ?? 'unknown', worker: process.pid, warm }
  },
  async report({ name, ms }) {
    const startedAt = performance.timeOrigin + performance.now() // when the pool handed it to this worker
    await setTimeout(ms)
    return { name, worker: process.pid, startedAt }
  },
})
