/**
 * Two-way calls: procedures the parent serves for the child. The contract declares them
 * (`defineContract(procedures, { host })`); the child calls them with `ctx.host.name(input)`;
 * the parent passes their handlers to `fork()` / `spawnThread()` / `connect()` as `host`.
 * They travel as ordinary calls in the other direction (the same `q`, `r`, `e`, `c` messages).
 */
import type { Client } from './client.js'
import { defineContract, type Contract, type HostProcedures } from './contract.js'
import type { Handlers } from './router.js'

/**
 * The contract of the procedures the parent serves, as the child's client and the
 * parent's router see it.
 *
 * @example
 * ```ts
 * type ConfigHost = HostContract<typeof app> // Contract<{ getConfig: ... }>
 * ```
 */
export type HostContract<C extends Contract> = Contract<C['host'], {}, {}, {}>

/**
 * The handlers of the procedures the parent serves for the child, one per host procedure.
 *
 * @example
 * ```ts
 * const host: HostHandlers<typeof app> = { getConfig: (key) => config[key] }
 * await fork(app, './app.worker.js', { host })
 * ```
 */
export type HostHandlers<C extends Contract> = Handlers<HostContract<C>>

/**
 * The client a handler uses to call the parent (`ctx.host`).
 *
 * @example
 * ```ts
 * async run(job, ctx) { const dsn: string = await ctx.host.getConfig('dsn', { signal: ctx.signal }) }
 * ```
 */
export type HostClient<H extends HostProcedures> = Client<Contract<H, {}, {}, {}>>

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
  /** The handlers of the procedures the contract's `host` declares. */
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
 *
 * @example
 * ```ts
 * const host = hostContractOf(app)
 * if (host !== undefined) createRouter(host, options.host, channel, { announce: false })
 * ```
 */
export function hostContractOf(contract: Contract): Contract | undefined {
  if (!hostContracts.has(contract)) {
    hostContracts.set(contract, Object.keys(contract.host).length === 0 ? undefined : defineContract(contract.host, { errors: contract.errors }))
  }
  return hostContracts.get(contract)
}

/**
 * Throws a TypeError unless `host` has a handler for every host procedure of `contract`, and
 * only those; checked before anything is started.
 *
 * @example
 * ```ts
 * checkHostHandlers(app, options.host, 'fork()')
 * ```
 */
export function checkHostHandlers(contract: Contract, host: unknown, where: string): void {
  const names = Object.keys(contract.host)
  if (names.length === 0) {
    if (host !== undefined) throw new TypeError(`${where}: options.host was given, but the contract declares no host procedures`)
    return
  }
  if (typeof host !== 'object' || host === null) {
    throw new TypeError(`${where}: the contract declares host procedures (${names.map((n) => `"${n}"`).join(', ')}), so options.host must give their handlers`)
  }
  const record = host as Record<string, unknown>
  const missing = names.filter((name) => typeof record[name] !== 'function')
  const unknown = Object.keys(record).filter((name) => !names.includes(name))
  if (missing.length > 0) throw new TypeError(`${where}: options.host is missing a handler for ${missing.map((n) => `"${n}"`).join(', ')}`)
  if (unknown.length > 0) throw new TypeError(`${where}: options.host has handlers for procedures the contract's host does not declare: ${unknown.map((n) => `"${n}"`).join(', ')}`)
}
