import { defineContract, procedure } from '@forkrpc/core'

/**
 * The CPU work the service offloads. Both procedures are idempotent (the same input gives
 * the same output, and running one twice harms nothing), so a pool retries a call once on
 * another worker when its worker dies mid-call, and the request still succeeds.
 */
export const work = defineContract({
  /** A password's PBKDF2-SHA256 hash, hex: ~50-100 ms of synchronous work. */
  hashPassword: procedure<{ password: string; salt: string }, string>({ idempotent: true }),
  /** A markdown-like document rendered to HTML. */
  render: procedure<string, string>({ idempotent: true }),
})
