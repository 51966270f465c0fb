/**
 * The `permissions` and `heapLimitMb` options: what a worker may do, and how much heap it
 * may use. Their shape and its one check; how each runtime enforces them is beside it
 * (`node-flags.ts`, `deno-flags.ts`, `thread-permissions.ts`, `heap-limit.ts`).
 */
import { isAbsolute } from 'node:path'
import { fileURLToPath } from 'node:url'

/**
 * What a worker may do: everything it is not given here is denied. forkrpc starts it under
 * Node's permission model (`--permission` and its `--allow-*` flags; on Node 20
 * `--experimental-permission`; a thread: in its own `execArgv`), or Deno's permission flags
 * when `execPath` is Deno. Node's model is a seat belt for trusted code, Deno's a boundary. An
 * access it is denied fails there with the runtime's error, which reaches the caller as a
 * `PermissionDeniedError`. What the runtime cannot deny is a TypeError, not ignored: on a
 * Node without `--allow-net` (before Node 25) the network stays open, so `net: true` must say
 * so.
 *
 * @example
 * ```ts
 * await fork(plugins, new URL('./plugin.worker.js', import.meta.url), {
 *   permissions: { read: [pluginDir], write: [outputDir], env: ['LANG'], net: true },
 *   heapLimitMb: 256,
 * })
 * ```
 */
export interface WorkerPermissions {
  /**
   * Files it may read: absolute paths or `file:` URLs (a folder: everything under it), or
   * `true` for all. The worker's module and forkrpc's own files (and its dependencies) are
   * readable anyway; the modules the worker imports are not, unless listed. Default: none.
   */
  read?: readonly (string | URL)[] | boolean | undefined
  /** Files it may write (created, changed, deleted): as `read`. Default: none. */
  write?: readonly (string | URL)[] | boolean | undefined
  /**
   * The network. Default false: denied, which Node can do from Node 25 (`--allow-net`) and
   * Deno always; on an older Node it is a TypeError, so say `true`.
   */
  net?: boolean | undefined
  /**
   * Start child processes (Node's `--allow-child-process`, Deno's `--allow-run`). A child can
   * run any program, unconfined: this undoes the other denials. Default false.
   */
  childProcess?: boolean | undefined
  /**
   * Start worker threads (Node's `--allow-worker`). On Node this undoes the other denials: a
   * thread started with `execArgv: []` runs outside the permission model. Deno cannot deny
   * them (a thread there keeps the worker's permissions): say `true`. Default false; then
   * `serve()`'s orphan watchdog (a thread) cannot run in a Node worker.
   */
  workerThreads?: boolean | undefined
  /** Load native addons (Node's `--allow-addons`, Deno's `--allow-ffi`). Default false. */
  addons?: boolean | undefined
  /** Use WASI (`node:wasi`; Node's `--allow-wasi`). Default false. */
  wasi?: boolean | undefined
  /**
   * The environment variables the worker gets (from `env`, or this process's): their names,
   * or `true` for all. Neither runtime filters the environment a process starts with, so
   * forkrpc passes it only these (and `FORKRPC_DEBUG` when set); on Deno, `--allow-env` is
   * given the same names. Default: none.
   */
  env?: readonly string[] | boolean | undefined
  /** Run the process as this user id (POSIX; the parent must be allowed to, e.g. root). Processes only. */
  uid?: number | undefined
  /** Run the process as this group id (POSIX; as `uid`). Processes only. */
  gid?: number | undefined
}

/**
 * The options of a worker started by forkrpc (`fork()`, `spawnThread()`, pools) that confine it.
 *
 * @example
 * ```ts
 * const options: LeastPrivilegeOptions = { permissions: { read: ['/srv/plugins'] , net: true }, heapLimitMb: 128 }
 * ```
 */
export interface LeastPrivilegeOptions {
  /**
   * What the worker may do; everything else is denied. Default: no restriction (and no
   * permission model). See `WorkerPermissions`. A process runs under Node's permission model
   * (`--permission`; Node 20: `--experimental-permission`), or Deno's permission flags when
   * `execPath` is Deno. A thread gets its own permission model: the flags go in its `execArgv`
   * (with only the `execArgv` given, not this process's), this process's other threads
   * untouched; in a process under `--permission`, no more than the process has; `uid` and
   * `gid` are a TypeError (a thread runs as its process's user). What the worker's runtime
   * cannot deny is a TypeError (from `createPool()` for a pool). A denied access reaches the
   * caller as `PermissionDeniedError`.
   */
  permissions?: WorkerPermissions | undefined
  /**
   * The worker's V8 heap limit in MB (its old generation): `--max-old-space-size` for a
   * process (Deno: through `--v8-flags`), `resourceLimits.maxOldGenerationSizeMb` for a
   * thread. Going over it kills the worker (V8 cannot recover): its calls in flight reject
   * with `WorkerOutOfMemoryError`, and a pool replaces it (exit reason `'out-of-memory'`).
   * Default: the runtime's.
   */
  heapLimitMb?: number | undefined
}

/** The keys that grant a capability with a boolean. */
export const BOOLEAN_PERMISSIONS = ['net', 'childProcess', 'workerThreads', 'addons', 'wasi'] as const
/** A key of {@link WorkerPermissions} granted with a boolean. */
export type BooleanPermission = (typeof BOOLEAN_PERMISSIONS)[number]
const KEYS = new Set<string>(['read', 'write', 'env', 'uid', 'gid', ...BOOLEAN_PERMISSIONS])

/** Throws a TypeError for a bad `permissions` or `heapLimitMb`. */
export function checkLeastPrivilege(options: LeastPrivilegeOptions, where: string): void {
  const { heapLimitMb, permissions } = options
  if (heapLimitMb !== undefined && (typeof heapLimitMb !== 'number' || !Number.isInteger(heapLimitMb) || heapLimitMb < 1)) {
    throw new TypeError(`${where}: heapLimitMb must be a whole number of megabytes (at least 1), got ${String(heapLimitMb)}`)
  }
  if (permissions === undefined) return
  if (typeof permissions !== 'object' || permissions === null || Array.isArray(permissions)) throw new TypeError(`${where}: permissions must be an object, got ${permissions === null ? 'null' : Array.isArray(permissions) ? 'an array' : typeof permissions}`)
  for (const key of Object.keys(permissions)) if (!KEYS.has(key)) throw new TypeError(`${where}: permissions.${key} is not a permission; known: ${[...KEYS].join(', ')}`)
  for (const key of ['read', 'write'] as const) checkPaths(permissions[key], key, where)
  for (const key of BOOLEAN_PERMISSIONS) {
    if (permissions[key] !== undefined && typeof permissions[key] !== 'boolean') throw new TypeError(`${where}: permissions.${key} must be a boolean, got ${typeof permissions[key]}`)
  }
  const env: unknown = permissions.env
  if (env !== undefined && typeof env !== 'boolean' && !(Array.isArray(env) && env.every((name) => typeof name === 'string' && name !== '' && !name.includes('=')))) {
    throw new TypeError(`${where}: permissions.env must be a boolean or an array of variable names, got ${JSON.stringify(env) ?? typeof env}`)
  }
  for (const key of ['uid', 'gid'] as const) {
    const id = permissions[key]
    if (id !== undefined && (typeof id !== 'number' || !Number.isInteger(id) || id < 0)) throw new TypeError(`${where}: permissions.${key} must be a non-negative integer, got ${String(id)}`)
    if (id !== undefined && process.platform === 'win32') throw new TypeError(`${where}: permissions.${key} is not supported on Windows`)
  }
}

function checkPaths(paths: unknown, key: 'read' | 'write', where: string): void {
  if (paths === undefined || typeof paths === 'boolean') return
  if (!Array.isArray(paths)) throw new TypeError(`${where}: permissions.${key} must be an array of paths or a boolean, got ${typeof paths}`)
  for (const path of paths as unknown[]) {
    if (path instanceof URL ? path.protocol !== 'file:' : typeof path !== 'string' || !isAbsolute(path)) {
      throw new TypeError(`${where}: permissions.${key} takes absolute paths or file: URLs, got ${JSON.stringify(path instanceof URL ? path.href : path) ?? typeof path}`)
    }
  }
}

/** {@link WorkerPermissions} with paths only, no URLs: what the runtimes' flags are made of. */
export type PlainPermissions = Omit<WorkerPermissions, 'read' | 'write'> & { readonly read?: readonly string[] | boolean | undefined; readonly write?: readonly string[] | boolean | undefined }

/** `permissions` with its `file:` URLs as paths. */
export function plain(permissions: WorkerPermissions): PlainPermissions {
  const paths = (grant: WorkerPermissions['read']): PlainPermissions['read'] => (Array.isArray(grant) ? grant.map((path: string | URL) => (path instanceof URL ? fileURLToPath(path) : path)) : (grant as boolean | undefined))
  return { ...permissions, read: paths(permissions.read), write: paths(permissions.write) }
}
