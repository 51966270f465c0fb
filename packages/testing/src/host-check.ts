/**
 * The check of the `host` option of createTestPair and mockWorker, naming the user's call
 * rather than the `createClient` that core would otherwise name.
 */
import type { Contract } from '@forkrpc/core'

/**
 * Throws a TypeError naming `where` unless `host` fits the contract's host procedures: an
 * object of functions, one for each (`partial`: any may be left out), and none for a
 * procedure the contract lacks; nothing (or, with `partial`, anything empty) when it
 * declares none.
 */
export function checkHostOption(contract: Contract, host: unknown, where: string, partial: boolean): void {
  // Not a contract from defineContract(): core refuses it, with its own message.
  if (typeof (contract as Partial<Contract> | undefined)?.host !== 'object') return
  const names = Object.keys(contract.host)
  if (host === undefined && (partial || names.length === 0)) return
  if (typeof host !== 'object' || host === null) {
    throw new TypeError(names.length === 0 ? `${where}: options.host was given, but the contract declares no host procedures` : `${where}: the contract declares host procedures (${names.map((name) => `"${name}"`).join(', ')}); pass their handlers as options.host`)
  }
  const record = host as Record<string, unknown>
  const unknown = Object.keys(record).filter((name) => !names.includes(name))
  if (unknown.length > 0) throw new TypeError(`${where}: options.host: handlers for procedures not in the contract: ${unknown.map((name) => `"${name}"`).join(', ')}`)
  const missing = names.filter((name) => typeof record[name] !== 'function' && !(partial && record[name] === undefined))
  if (missing.length > 0) throw new TypeError(`${where}: options.host: missing a handler for ${missing.map((name) => `"${name}"`).join(', ')}`)
}
