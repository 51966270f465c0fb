import { pbkdf2Sync } from 'node:crypto'

/**
 * PBKDF2 rounds: ~60 ms on a 2020s server core, the cost a login endpoint pays per request.
 * (OWASP recommends 600,000 for PBKDF2-SHA256 today; fewer here keep the example quick.)
 */
export const ROUNDS = 100_000

/** A password's PBKDF2-SHA256 hash, hex. Synchronous: it holds its thread for the whole run. */
export function hashPassword({ password, salt }: { password: string; salt: string }): string {
  return pbkdf2Sync(password, salt, ROUNDS, 32, 'sha256').toString('hex')
}
