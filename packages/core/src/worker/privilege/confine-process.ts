/**
 * How `fork()` starts a confined process: `permissions` and `heapLimitMb` turned into the
 * options, environment and user of the runtime that runs the worker (Node, or Deno).
 */
import { denoHeapFlags, isHeapFlag, nodeHeapFlags } from './heap-limit.js'
import { DENO_PERMISSION_OPTION, denoPermissionFlags } from './deno-flags.js'
import { forkrpcFiles } from './forkrpc-files.js'
import { NODE_PERMISSION_OPTION, nodePermissionFlags } from './node-flags.js'
import { plain, type LeastPrivilegeOptions } from './permissions.js'
import { checkEnvNames, workerEnv } from './worker-env.js'
import { workerRuntime } from './worker-runtime.js'

/** What `fork()` knows when it confines a worker. */
export interface ProcessConfinement {
  readonly options: LeastPrivilegeOptions & { execPath?: string | undefined; execArgv?: readonly string[] | undefined; env?: NodeJS.ProcessEnv | undefined }
  /** The worker module's absolute path. */
  readonly module: string
  /** The execArgv fork() would use: the given one or this process's, with the inspector's flag. */
  readonly execArgv: readonly string[] | undefined
  /** Whether the worker's inspector is to be opened. */
  readonly inspect: boolean
}

/**
 * The options, environment and ids that start the worker confined; unchanged without
 * `permissions` and `heapLimitMb`. Throws a TypeError for what the runtime cannot honour.
 */
export function confineProcess(request: ProcessConfinement, where: string): { execArgv: string[] | undefined; env: NodeJS.ProcessEnv | undefined; uid?: number; gid?: number } {
  const { options, module, inspect } = request
  const { permissions, heapLimitMb } = options
  const execArgv = request.execArgv === undefined ? undefined : [...request.execArgv]
  if (permissions === undefined && heapLimitMb === undefined) return { execArgv, env: options.env }
  const runtime = workerRuntime(options.execPath)
  if (runtime.kind === 'other') throw new TypeError(`${where}: permissions and heapLimitMb need Node or Deno to run the worker; ${runtime.name} has no permission model forkrpc knows`)
  const ids = { ...(permissions?.uid === undefined ? {} : { uid: permissions.uid }), ...(permissions?.gid === undefined ? {} : { gid: permissions.gid }) }
  const reads = (): string[] => [module, ...forkrpcFiles(module)]
  if (runtime.kind === 'deno') {
    if (inspect) throw new TypeError(`${where}: inspect is not supported with permissions or heapLimitMb on a Deno worker`)
    const given = [...(options.execArgv ?? [])]
    const rest = given[0] === 'run' ? given.slice(1) : given
    const env = permissions === undefined ? options.env : workerEnv(options.env ?? process.env, permissions.env, 'deno')
    if (permissions !== undefined) refuse(rest, DENO_PERMISSION_OPTION, where)
    const grants = permissions === undefined ? [] : denoPermissionFlags(plain(permissions), reads(), Object.keys(env ?? {}), where)
    return { execArgv: ['run', ...grants, ...denoHeapFlags(heapLimitMb, rest, where), ...rest], env, ...ids }
  }
  const explicit = options.execArgv !== undefined
  if (explicit) {
    if (permissions !== undefined) refuse(execArgv ?? [], NODE_PERMISSION_OPTION, where)
    nodeHeapFlags(heapLimitMb, execArgv, where)
  }
  // This process's own permission and heap options are replaced by the worker's.
  const base = explicit ? (execArgv ?? []) : withoutInherited(execArgv ?? process.execArgv, permissions !== undefined, heapLimitMb !== undefined)
  if (permissions === undefined) return { execArgv: [...base, ...nodeHeapFlags(heapLimitMb, undefined, where)], env: options.env }
  checkEnvNames(permissions.env, 'node', where)
  const grants = nodePermissionFlags(plain(permissions), reads(), runtime.flags, inspect, where)
  return { execArgv: [...base, ...grants, ...nodeHeapFlags(heapLimitMb, undefined, where)], env: workerEnv(options.env ?? process.env, permissions.env, 'node'), ...ids }
}

/** With `permissions`, `execArgv` may not grant anything itself: the two would contradict each other. */
function refuse(execArgv: readonly string[], option: RegExp, where: string): void {
  const flag = execArgv.find((arg) => option.test(arg))
  if (flag !== undefined) throw new TypeError(`${where}: execArgv has ${flag}, which permissions would contradict; say it in permissions instead`)
}

/** This process's execArgv less its permission options (a path given apart, too) and heap limit. */
function withoutInherited(execArgv: readonly string[], permissions: boolean, heap: boolean): string[] {
  const kept: string[] = []
  for (let i = 0; i < execArgv.length; i++) {
    const flag = execArgv[i] as string
    if (permissions && NODE_PERMISSION_OPTION.test(flag)) {
      if (/^--allow-fs-(read|write)$/.test(flag)) i++
      continue
    }
    if (heap && isHeapFlag(flag)) {
      if (!flag.includes('=')) i++
      continue
    }
    kept.push(flag)
  }
  return kept
}
