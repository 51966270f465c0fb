/**
 * `permissions.env`: the worker gets only the environment variables it names. Neither
 * Node's permission model nor the OS filters the environment a process starts with, so
 * this is done here, before the worker starts: what it is not given is never in its memory.
 */

/** forkrpc's own switch, passed on when set so that debugging a confined worker still works. */
const OWN_VARIABLES = ['FORKRPC_DEBUG']
/** Node reads `--allow-*` flags from it: it would widen the permissions, so a confined Node worker never gets it. */
const WIDENING = 'NODE_OPTIONS'

/**
 * The environment of a confined worker: `base` (the `env` option, or this process's) cut
 * down to `names` (`true`: all of it; `false` or undefined: none), never with NODE_OPTIONS
 * for a Node worker.
 */
export function workerEnv(base: NodeJS.ProcessEnv, names: readonly string[] | boolean | undefined, runtime: 'node' | 'deno'): NodeJS.ProcessEnv {
  const kept = names === true ? Object.keys(base) : [...(Array.isArray(names) ? names : []), ...OWN_VARIABLES]
  const env: NodeJS.ProcessEnv = {}
  for (const name of kept) {
    if (runtime === 'node' && name === WIDENING) continue
    if (Object.hasOwn(base, name) && base[name] !== undefined) env[name] = base[name]
  }
  return env
}

/** Throws a TypeError if `names` names NODE_OPTIONS for a Node worker. */
export function checkEnvNames(names: readonly string[] | boolean | undefined, runtime: 'node' | 'deno', where: string): void {
  if (runtime === 'node' && Array.isArray(names) && names.includes(WIDENING)) {
    throw new TypeError(`${where}: permissions.env names ${WIDENING}, which can carry --allow-* flags and widen the worker's permissions; pass Node options in execArgv instead`)
  }
}
