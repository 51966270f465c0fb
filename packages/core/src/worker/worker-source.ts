/**
 * The file a worker module names. An app names its worker once, as it will be after the
 * build: `new URL('./worker.js', import.meta.url)`. When that `.js` (`.mjs`, `.cjs`) file
 * does not exist but its TypeScript source (`.ts`, `.mts`, `.cts`) sits beside it, the source
 * is the worker, as TypeScript resolves `import './worker.js'`: under tsx, under vitest and
 * after the build, the same line starts the right file.
 */
import { existsSync } from 'node:fs'
import { basename, extname } from 'node:path'
import { startupFailed } from '../errors/worker-errors.js'
import { modulePath } from './module-path.js'

/** The TypeScript source that stands for each JavaScript extension. */
const SOURCE_EXTENSION: Readonly<Record<string, string>> = { '.js': '.ts', '.mjs': '.mts', '.cjs': '.cts' }
const TYPESCRIPT = /\.(?:[cm]?ts|tsx)$/

/** The file that runs as the worker, and whether it is TypeScript (so needs a runtime or loader that runs it). */
export interface WorkerSource {
  readonly path: string
  readonly typeScript: boolean
}

/** The worker file `module` names (a relative path against `cwd`); a StartupError when neither it nor its source exists. */
export function workerSource(module: unknown, where: string, cwd?: string): WorkerSource {
  const path = modulePath(module, where, cwd)
  if (existsSync(path)) return { path, typeScript: TYPESCRIPT.test(path) }
  const extension = extname(path)
  const sourceExtension = SOURCE_EXTENSION[extension]
  const source = sourceExtension === undefined ? undefined : path.slice(0, -extension.length) + sourceExtension
  if (source !== undefined && existsSync(source)) return { path: source, typeScript: true }
  throw startupFailed(path, `the module file does not exist${source === undefined ? '' : ` (nor its TypeScript source ${basename(source)} beside it)`}`)
}
