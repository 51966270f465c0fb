/**
 * `permissions` as Deno's permission flags, for a worker whose `execPath` is Deno: a
 * security boundary, unlike Node's model. Deno denies what it is not given, also what
 * forkrpc has no key for (`--allow-sys`, remote imports). It cannot deny worker threads or
 * WASI (neither gets more than the worker's own permissions there), so those must say `true`.
 */
import type { PlainPermissions } from './permissions.js'

/** Deno's flag for each boolean permission it can deny. */
const DENO_GRANTS = { net: '--allow-net', childProcess: '--allow-run', addons: '--allow-ffi' } as const
/** What Deno does not gate: a worker thread or WASI there has the worker's permissions and no more. */
const UNGATED = { workerThreads: 'worker threads', wasi: 'WASI' } as const

/** Options that grant something: they belong to `permissions`. */
export const DENO_PERMISSION_OPTION = /^(?:-A|--allow-)/

/**
 * The `deno run` options that start a worker with only `permissions`, plus `reads` (its module
 * and forkrpc's files), and `envNames` (what its environment holds).
 */
export function denoPermissionFlags(permissions: PlainPermissions, reads: readonly string[], envNames: readonly string[], where: string): string[] {
  for (const [key, what] of Object.entries(UNGATED) as Array<[keyof typeof UNGATED, string]>) {
    if (permissions[key] !== true) throw new TypeError(`${where}: permissions.${key}: Deno cannot deny ${what} (there they have the worker's own permissions and no more); say ${key}: true`)
  }
  const args = ['--no-prompt', ...listFlag('--allow-read', permissions.read, reads, where), ...listFlag('--allow-write', permissions.write, [], where)]
  for (const [key, flag] of Object.entries(DENO_GRANTS) as Array<[keyof typeof DENO_GRANTS, string]>) if (permissions[key] === true) args.push(flag)
  args.push(...listFlag('--allow-env', permissions.env === true ? true : envNames, [], where))
  return args
}

/** `--allow-x` for `true`, `--allow-x=a,b` for a list (with `always`), nothing for none. */
function listFlag(flag: string, grant: readonly string[] | boolean | undefined, always: readonly string[], where: string): string[] {
  if (grant === true) return [flag]
  const items = [...new Set([...always, ...(Array.isArray(grant) ? grant : [])])]
  if (items.length === 0) return []
  const comma = items.find((item) => item.includes(','))
  if (comma !== undefined) throw new TypeError(`${where}: permissions: Deno's ${flag} is a comma-separated list, so it cannot name ${JSON.stringify(comma)}`)
  return [`${flag}=${items.join(',')}`]
}
