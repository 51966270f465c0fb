/**
 * The worker module argument of `fork()`, `spawnThread()` and `createPool()`: a file path
 * (resolved against a directory) or a `file:` URL. Anything else is a TypeError that says
 * so, rather than Node's error from deep inside `path.resolve`.
 */
import { resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

/** Throws a TypeError unless `module` is a non-empty path or a `file:` URL. */
export function checkModule(module: unknown, where: string): asserts module is string | URL {
  if (module instanceof URL) {
    if (module.protocol !== 'file:') throw new TypeError(`${where}: module must be a file path or a file: URL, got a ${module.protocol} URL`)
    return
  }
  if (typeof module !== 'string' || module === '') throw new TypeError(`${where}: module must be a file path or a file: URL, got ${module === '' ? 'an empty string' : module === null ? 'null' : typeof module}`)
}

/** The absolute path of `module`, checked first (a relative path is resolved against `cwd`). */
export function modulePath(module: unknown, where: string, cwd: string = process.cwd()): string {
  checkModule(module, where)
  return module instanceof URL ? fileURLToPath(module) : resolve(cwd, module)
}
