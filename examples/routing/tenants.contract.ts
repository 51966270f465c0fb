import { defineContract, procedure } from '@forkrpc/core'

/** A worker with per-tenant state: what it loaded for a tenant stays warm in its memory. */
export const tenants = defineContract({
  /** Answers a query for a tenant, loading the tenant's data first if this worker has not yet. */
  lookup: procedure<{ tenant: string; query: string }, { answer: string; worker: number; warm: boolean }>(),
  /** A report that takes `ms` of work; says which worker ran it, and when it started. */
  report: procedure<{ name: string; ms: number }, { name: string; worker: number; startedAt: number }>(),
})
