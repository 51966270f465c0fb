/**
 * The work of the server row, shared by every pool's worker module and by the serial runs in
 * the bench's process that measure the capacity: a password hash, synchronous.
 */
import { pbkdf2Sync } from 'node:crypto'
import type { HashInput } from './server.contract.js'

/** A password's PBKDF2-SHA256 hash, hex. */
export function hashPassword({ password, rounds }: HashInput): string {
  return pbkdf2Sync(password, 'salt', rounds, 32, 'sha256').toString('hex')
}

/** The median time (ms) of `runs` serial runs of the hash with `rounds` rounds, in this thread. */
export function serialRunTime(rounds: number, runs: number): number {
  const times: number[] = []
  for (let i = 0; i < runs; i++) {
    const start = performance.now()
    hashPassword({ password: `serial ${i}`, rounds })
    times.push(performance.now() - start)
  }
  return times.sort((a, b) => a - b)[times.length >> 1] as number
}

/** The rounds that make a hash take about `ms` on this machine now. */
export function roundsFor(ms: number): number {
  const probe = 20_000
  serialRunTime(probe, 3) // warm up
  return Math.max(1_000, Math.round((probe * ms) / serialRunTime(probe, 5)))
}
