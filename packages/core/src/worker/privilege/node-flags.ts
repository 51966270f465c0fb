/**
 * `permissions` as the options of Node's permission model: `--permission` (Node 20:
 * `--experimental-permission`) and one `--allow-*` flag per grant, each used only if the
 * worker's Node accepts it. A denial Node cannot enforce (the network before `--allow-net`)
 * is a TypeError.
 */
import { BOOLEAN_PERMISSIONS, type BooleanPermission, type PlainPermissions } from './permissions.js'

/** The flag that grants each boolean permission, and what it is about, for messages. */
export const NODE_GRANTS: Readonly<Record<BooleanPermission, { readonly flag: string; readonly what: string }>> = {
  net: { flag: '--allow-net', what: 'the network' },
  childProcess: { flag: '--allow-child-process', what: 'child processes' },
  workerThreads: { flag: '--allow-worker', what: 'worker threads' },
  addons: { flag: '--allow-addons', what: 'native addons' },
  wasi: { flag: '--allow-wasi', what: 'WASI' },
}

/** Options that turn the permission model on or grant something: they belong to `permissions`. */
export const NODE_PERMISSION_OPTION = /^--(?:experimental-)?permission$|^--allow-/

/**
 * The Node options that start a worker with only `permissions`, plus `reads` (its module and
 * forkrpc's files), on a Node that accepts `flags`; `inspect`: its inspector is to be opened.
 */
export function nodePermissionFlags(permissions: PlainPermissions, reads: readonly string[], flags: ReadonlySet<string>, inspect: boolean, where: string): string[] {
  const model = flags.has('--permission') ? '--permission' : flags.has('--experimental-permission') ? '--experimental-permission' : undefined
  if (model === undefined) throw new TypeError(`${where}: permissions: the worker's Node has no permission model (--permission); run the worker on Deno (execPath), or drop permissions`)
  const args = [model, ...pathFlags('--allow-fs-read', permissions.read, reads), ...pathFlags('--allow-fs-write', permissions.write, [])]
  for (const key of BOOLEAN_PERMISSIONS) {
    const { flag, what } = NODE_GRANTS[key]
    if (permissions[key] === true) {
      if (flags.has(flag)) args.push(flag)
    } else if (!flags.has(flag)) {
      throw new TypeError(`${where}: permissions.${key}: the worker's Node cannot deny ${what} (its permission model has no ${flag}); say ${key}: true to run it with ${what} allowed, or run it on Deno (execPath)`)
    }
  }
  if (inspect) {
    if (!flags.has('--allow-inspector')) throw new TypeError(`${where}: inspect: the worker's Node denies the inspector under its permission model (--allow-inspector came in Node 24); drop inspect or permissions`)
    args.push('--allow-inspector')
  }
  return args
}

/** `--allow-fs-*` flags: `*` for `true`, one per path otherwise (with `always`), none for none. */
function pathFlags(flag: string, grant: readonly string[] | boolean | undefined, always: readonly string[]): string[] {
  if (grant === true) return [`${flag}=*`]
  const paths = [...always, ...(Array.isArray(grant) ? grant : [])]
  return [...new Set(paths)].map((path) => `${flag}=${path}`)
}
