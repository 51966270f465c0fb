// piscina's worker for the server row: `run(input, { name: 'hash' })` calls this export.
import type { HashInput } from '../server.contract.js'
import { hashPassword } from '../server-work.js'

export function hash(input: HashInput): string {
  return hashPassword(input)
}
