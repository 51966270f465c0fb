/** The contract of the soak's workers (see soak.ts). */
import { defineContract, procedure } from '@forkrpc/core'

export const soakContract = defineContract({
  /** Idempotent: a pool may run it again on another worker when its worker dies. */
  square: procedure<number, number>({ idempotent: true }),
  /** Not idempotent: it must never run twice, whatever happens to its worker. */
  record: procedure<number, number>(),
})
