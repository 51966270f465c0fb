/** The contract of forkrpc's pool workers in the server row (server-row.ts). */
import { defineContract, procedure } from '@forkrpc/core'

export const serverContract = defineContract({
  /** A password's PBKDF2-SHA256 hash, `rounds` rounds: ~50 ms of synchronous work (server-work.ts). */
  hash: procedure<HashInput, string>({ idempotent: true }),
})

/** The input of one call of the server row. */
export interface HashInput {
  password: string
  rounds: number
}
