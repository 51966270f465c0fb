/**
 * Two-way calls: procedures the parent serves for the worker. The contract declares them
 * (`defineContract(procedures, { host })`); a handler calls them with `ctx.host.name(input)`;
 * the parent passes their handlers to `fork()` / `spawnThread()` / `connect()` as `host`.
 * They travel as ordinary calls in the other direction.
 */
import { quoted } from '../base/option-checks.js'
import { defineContract, type Contract } from './define-contract.js'
import { checkHandlers, type Handlers } from './handler-types.js'

/**
 * The contract of the procedures the parent serves, as the worker's caller and the parent's
 * handlers see it.
 *
 * @example
 * ```ts
 * type ConfigHost = HostContract<typeof app> // Contract<{ getConfig: ... }>
 * ```
 */
export type HostContract<C extends Contract> = Contract<C['host'], {}, {}, {}>

/**
 * The handlers of the procedures the parent serves for the worker, one per host procedure.
 *
 * @example
 * ```ts
 * const host: HostHandlers<typeof app> = { getConfig: (key) => config[key] }
 * await fork(app, './app.worker.js', { host })
 * ```
 */
export type HostHandlers<C extends Contract> = Handlers<HostContract<C>>

/**
 * The `host` option of `fork()`, `spawnThread()` and `connect()`: required exactly when the
 * contract declares host procedures.
 *
 * @example
 * ```ts
 * const options: ForkOptions & HostOption<typeof app> = { host: { getConfig: (key) => config[key] } }
 * ```
 */
export interface HostOption<C extends Contract> {
  /** The handlers of the procedures the contract's `host` declares; they run in the parent when the worker calls them. */
  host: HostHandlers<C>
}

/**
 * A contract whose `host` is empty: `fork()` takes no `host` option for it.
 *
 * @example
 * ```ts
 * function start<C extends ContractWithoutHost>(contract: C) { return fork(contract, './w.js') }
 * ```
 */
export type ContractWithoutHost = Contract<Contract['procedures'], Contract['events'], Readonly<Record<string, never>>>

const hostContracts = new WeakMap<Contract, Contract | undefined>()

/**
 * The contract of `contract`'s host procedures (with its error classes), or undefined when
 * it declares none.
 */
export function hostContractOf(contract: Contract): Contract | undefined {
  if (!hostContracts.has(contract)) {
    hostContracts.set(contract, Object.keys(contract.host).length === 0 ? undefined : defineContract(contract.host, { errors: contract.errors }))
  }
  return hostContracts.get(contract)
}

/**
 * Throws a TypeError unless `host` has a handler for every host procedure of `contract`, and
 * only those (and is undefined when it declares none); checked before anything is started.
 */
export function checkHostHandlers(contract: Contract, host: unknown, where: string): void {
  const hostContract = hostContractOf(contract)
  if (hostContract === undefined) {
    if (host !== undefined) throw new TypeError(`${where}: options.host was given, but the contract declares no host procedures`)
    return
  }
  if (typeof host !== 'object' || host === null) {
    throw new TypeError(`${where}: the contract declares host procedures (${quoted(hostContract.names)}); pass their handlers as options.host`)
  }
  checkHandlers(hostContract, host, `${where}: options.host`)
}
