/**
 * The soak's worker: it logs every call it runs (the call's number, unbuffered, so a SIGKILL
 * loses nothing written) to soak-<pid>.log in SOAK_LOG_DIR, and with SOAK_CRASH_RATE it
 * crashes by itself now and then, mid-call, after the call ran.
 */
import { openSync, writeSync } from 'node:fs'
import { join } from 'node:path'
import { serve } from '@forkrpc/core'
import { soakContract } from '../soak/soak.contract.js'

const log = openSync(join(process.env.SOAK_LOG_DIR ?? '.', `soak-${process.pid}.log`), 'a')
const crashRate = Number(process.env.SOAK_CRASH_RATE ?? 0)

function ran(n: number): void {
  writeSync(log, `${n}\n`)
  if (Math.random() < crashRate) process.exit(70) // mid-call: it ran, and its reply is never written
}

serve(soakContract, {
  square: (n) => (ran(n), n * n),
  record: (n) => (ran(n), n),
})
