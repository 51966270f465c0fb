/**
 * `permissions` and `heapLimitMb` for a worker thread. Node's permission model is an option
 * of each thread's environment: a Worker started with `--permission` and `--allow-*` flags in
 * its `execArgv` runs under its own model, this process's other threads untouched (measured
 * on Node 20.20, 22.23, 24.21 and 26.10). So a thread gets the same flags as a process,
 * in its `execArgv`; its `env` is cut down the same way, and `heapLimitMb` is its
 * `resourceLimits`. A thread runs as its process's user: `uid` and `gid` are a TypeError.
 * Node lets such a thread get more than a process under the model has itself, so a thread
 * of a confined process is given no more than the process may do.
 */
import type { ResourceLimits } from 'node:worker_threads'
import { forkrpcFiles } from './forkrpc-files.js'
import { threadLimits } from './heap-limit.js'
import { NODE_GRANTS, NODE_PERMISSION_OPTION, nodePermissionFlags } from './node-flags.js'
import { BOOLEAN_PERMISSIONS, plain, type LeastPrivilegeOptions, type PlainPermissions } from './permissions.js'
import { checkEnvNames, workerEnv } from './worker-env.js'
import { workerRuntime } from './worker-runtime.js'

/** What `spawnThread()` knows when it confines a thread. */
export interface ThreadConfinement {
  readonly options: LeastPrivilegeOptions & { env?: NodeJS.ProcessEnv | undefined; execArgv?: readonly string[] | undefined; resourceLimits?: ResourceLimits | undefined }
  /** The worker module's absolute path. */
  readonly module: string
  /** Whether the thread opens its inspector (in `serve()`). */
  readonly inspect: boolean
}

/**
 * A thread's environment, Node options and resource limits under `permissions` and
 * `heapLimitMb`; unchanged without them. Throws a TypeError for what cannot be honoured.
 */
export function confineThread(
  request: ThreadConfinement,
  where: string,
): { env: NodeJS.ProcessEnv | undefined; execArgv: string[] | undefined; resourceLimits: ResourceLimits | undefined } {
  const { options, module, inspect } = request
  const resourceLimits = threadLimits(options.heapLimitMb, options.resourceLimits, where)
  const given = options.execArgv === undefined ? undefined : [...options.execArgv]
  if (options.permissions === undefined) return { env: options.env, execArgv: given, resourceLimits }
  const permissions = plain(options.permissions)
  for (const key of ['uid', 'gid'] as const) if (permissions[key] !== undefined) throw new TypeError(`${where}: permissions.${key}: a thread runs as its process's user; use fork() to run a worker as another`)
  const runtime = workerRuntime(undefined)
  if (runtime.kind !== 'node') throw new TypeError(`${where}: permissions: a thread's permissions need Node's permission model, which this runtime does not have`)
  checkEnvNames(permissions.env, 'node', where)
  const flag = given?.find((arg) => NODE_PERMISSION_OPTION.test(arg))
  if (flag !== undefined) throw new TypeError(`${where}: execArgv has ${flag}, which permissions would contradict; say it in permissions instead`)
  checkWithinProcess(permissions, where)
  // Only the options given: a Worker checks an explicit execArgv, and this process's may hold
  // options a thread refuses (V8 flags) or loaders it could not read under the model.
  const grants = nodePermissionFlags(permissions, [module, ...forkrpcFiles(module)], runtime.flags, inspect, where)
  return { env: workerEnv(options.env ?? process.env, permissions.env, 'node'), execArgv: [...(given ?? []), ...grants], resourceLimits }
}

/** In a process under the permission model: a TypeError for a grant the process does not have itself. */
function checkWithinProcess(permissions: PlainPermissions, where: string): void {
  const model = (process as { permission?: { has(scope: string, reference?: string): boolean } }).permission
  if (model === undefined) return
  const wider = (what: string): TypeError => new TypeError(`${where}: permissions would give the thread ${what}, which this process (under --permission) may not have itself`)
  for (const [key, scope] of [['read', 'fs.read'], ['write', 'fs.write']] as const) {
    const grant = permissions[key]
    if (grant === true && !model.has(scope)) throw wider(`${key} access to every file`)
    for (const path of Array.isArray(grant) ? grant : []) if (!model.has(scope, path)) throw wider(`${key} access to ${path}`)
  }
  const own = new Set([...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)])
  for (const key of BOOLEAN_PERMISSIONS) {
    const { flag, what } = NODE_GRANTS[key]
    if (permissions[key] === true && process.allowedNodeEnvironmentFlags.has(flag) && !own.has(flag)) throw wider(what)
  }
}
