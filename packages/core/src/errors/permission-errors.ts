/**
 * A worker's access that its permissions denied, as one class whatever the runtime said:
 * Node's permission model throws an Error with code `ERR_ACCESS_DENIED` (and `permission`,
 * `resource`), Deno throws `NotCapable` ("Requires read access to ..."). The worker turns
 * either into a PermissionDeniedError when it marshals the error, so the caller gets it.
 */
import { ForkRpcError, type ForkRpcErrorOptions } from './forkrpc-error.js'

/**
 * Options of {@link PermissionDeniedError}.
 *
 * @example
 * ```ts
 * new PermissionDeniedError('no', { permission: 'read', resource: '/etc/passwd' })
 * ```
 */
export interface PermissionDeniedErrorOptions extends ForkRpcErrorOptions {
  /** The key of `permissions` that would allow the access: `read`, `write`, `net`, `childProcess`, ... */
  permission?: string | undefined
  /** What was accessed (a path, a host, a command), when the runtime said. */
  resource?: string | undefined
}

/**
 * The worker's permissions (`fork(..., { permissions })`, Node's `--permission`, Deno's
 * flags) denied an access: reading or writing a file, the network, a child process, a
 * worker thread, an environment variable.
 *
 * @example
 * ```ts
 * await worker.call.load('/etc/passwd').catch((err) => {
 *   if (err instanceof PermissionDeniedError) console.error(`denied ${err.permission} of ${err.resource}`) // denied read of /etc/passwd
 * })
 * ```
 */
export class PermissionDeniedError extends ForkRpcError {
  /** The stable code of this error, the same whatever its message (for a `switch` or a log query). */
  override readonly code = 'ERR_FORKRPC_PERMISSION_DENIED'
  /**
   * The key of the `permissions` option that would allow the access (`read`, `write`, `net`,
   * `childProcess`, `workerThreads`, `env`, `addons`, `wasi`), or the runtime's own name for
   * one forkrpc has no key for (`inspector`, Deno's `sys`, ...).
   */
  readonly permission: string | undefined
  /** What was accessed (a path, a host, a command), when the runtime said; `undefined` when it did not. */
  readonly resource: string | undefined

  constructor(message = 'An access was denied by the permissions', options: PermissionDeniedErrorOptions = {}) {
    super(message, options)
    this.permission = options.permission
    this.resource = options.resource
  }
}

/** Node's names (the error's `permission`, or the `--allow-*` flag its message names) and Deno's, as keys of `permissions`. */
const PERMISSION_KEYS: Readonly<Record<string, string>> = {
  FileSystemRead: 'read',
  'fs-read': 'read',
  FileSystemWrite: 'write',
  'fs-write': 'write',
  ChildProcess: 'childProcess',
  'child-process': 'childProcess',
  run: 'childProcess',
  WorkerThreads: 'workerThreads',
  worker: 'workerThreads',
  Net: 'net',
  Addon: 'addons',
  Addons: 'addons',
  ffi: 'addons',
  WASI: 'wasi',
  Inspector: 'inspector',
}

/**
 * The PermissionDeniedError that `error` is, when a runtime's permissions denied something
 * (Node's `ERR_ACCESS_DENIED`, Deno's `NotCapable`); undefined for any other value.
 */
export function asPermissionDenied(error: unknown): PermissionDeniedError | undefined {
  if (!(error instanceof Error) || error instanceof PermissionDeniedError) return undefined
  const found = fromNode(error) ?? fromDeno(error)
  if (found === undefined) return undefined
  const permission = PERMISSION_KEYS[found.permission] ?? found.permission
  const what = found.resource ? ` to ${found.resource}` : ''
  const denied = new PermissionDeniedError(`${permission} access${what} was denied by the permissions: ${error.message}`, { permission, resource: found.resource })
  // The worker's frames, under the new first line.
  const frames = typeof error.stack === 'string' ? error.stack.split('\n').filter((line) => /^\s+at /.test(line)) : []
  denied.stack = [`${denied.name}: ${denied.message}`, ...frames].join('\n')
  return denied
}

function fromNode(error: Error): { permission: string; resource: string | undefined } | undefined {
  const { code, permission, resource } = error as Error & { code?: unknown; permission?: unknown; resource?: unknown }
  if (code !== 'ERR_ACCESS_DENIED') return undefined
  // Node 25's network denials come asynchronously, without `permission`: the message names the flag.
  const named = typeof permission === 'string' ? permission : /--allow-([a-z-]+)/.exec(error.message)?.[1]
  return { permission: named ?? 'unknown', resource: typeof resource === 'string' && resource !== '' ? resource : undefined }
}

function fromDeno(error: Error): { permission: string; resource: string | undefined } | undefined {
  if (error.name !== 'NotCapable') return undefined
  // "Requires read access to "/etc/passwd", run again with the --allow-read flag"
  const match = /^Requires (\w+) access(?: to "?(.*?)"?)?, run again/.exec(error.message)
  return match === null ? undefined : { permission: match[1] as string, resource: match[2] }
}
