/**
 * The `inspect` option: open the Node.js inspector in a worker, on a free port by default, so
 * that workers (and the parent, if it is being debugged) never clash over 9229. The worker
 * reports the inspector's URL in its ready message; the parent puts it on the worker
 * (`inspectorUrl`), in `workers()`, in the debug log (`NODE_DEBUG=forkrpc`) and in
 * `onInspect`.
 */
import { checkFunction } from '../base/option-checks.js'

/**
 * Where a worker's inspector listens: `true` for a free port on 127.0.0.1, a port number
 * (`0` for a free one), or a host and a port.
 *
 * @example
 * ```ts
 * const inspect: InspectOption = { host: '0.0.0.0', port: 9230 } // a debugger on another machine
 * ```
 */
export type InspectOption = boolean | number | { readonly host?: string | undefined; readonly port?: number | undefined }

/**
 * A worker's inspector is open: where to point a debugger.
 *
 * @example
 * ```ts
 * await fork(math, url, { inspect: true, onInspect: ({ url }) => console.log(`debug the worker at ${url}`) })
 * ```
 */
export interface InspectEvent {
  /** The inspector's WebSocket URL (`ws://127.0.0.1:PORT/UUID`), for Chrome DevTools or an IDE. */
  readonly url: string
  /** The worker module's path. */
  readonly module: string
}

/**
 * The options a worker started by forkrpc (`fork()`, `spawnThread()`, pools) takes for debugging.
 *
 * @example
 * ```ts
 * const options: InspectOptions = { inspect: true, onInspect: ({ url }) => console.log(url) }
 * ```
 */
export interface InspectOptions {
  /**
   * Open the inspector in the worker: `true` on a free port of 127.0.0.1 (never a clash), a
   * port, or `{ host, port }`. A process opens it before its module loads (`--inspect`), a
   * thread when it calls `serve()`. Any `--inspect*` flag the worker would inherit from this
   * process's `execArgv` is dropped. Default: off.
   */
  inspect?: InspectOption | undefined
  /** Hears the inspector's URL once the worker is ready. */
  onInspect?: ((event: InspectEvent) => void) | undefined
}

/** Where to open a worker's inspector. */
export interface InspectTarget {
  readonly host: string
  readonly port: number
}

/** The inspector target of `options`, or undefined when off; throws a TypeError for a bad one. */
export function inspectTarget(options: InspectOptions, where: string): InspectTarget | undefined {
  checkFunction(options.onInspect, 'onInspect')
  const option = options.inspect
  if (option === undefined || option === false) return undefined
  if (option === true) return { host: '127.0.0.1', port: 0 }
  if (typeof option === 'number') return { host: '127.0.0.1', port: checkPort(option, where) }
  if (typeof option !== 'object' || option === null) throw new TypeError(`${where}: inspect must be true, a port or { host, port }, got ${String(option)}`)
  const host = option.host ?? '127.0.0.1'
  if (typeof host !== 'string' || host === '') throw new TypeError(`${where}: inspect.host must be a host name or address, got ${String(host)}`)
  return { host, port: checkPort(option.port ?? 0, where) }
}

function checkPort(port: unknown, where: string): number {
  if (typeof port === 'number' && Number.isInteger(port) && port >= 0 && port <= 65_535) return port
  throw new TypeError(`${where}: the inspector's port must be an integer from 0 (a free port) to 65535, got ${String(port)}`)
}

/**
 * `execArgv` for a process whose inspector opens at `target`: the inherited (or given) flags
 * without any `--inspect*`, plus `--inspect=host:port`.
 */
export function inspectArgv(execArgv: readonly string[], target: InspectTarget): string[] {
  const kept = execArgv.filter((flag) => !/^--(inspect|debug)(-brk|-wait|-port)?(=|$)/.test(flag))
  return [...kept, `--inspect=${target.host.includes(':') ? `[${target.host}]` : target.host}:${target.port}`]
}
