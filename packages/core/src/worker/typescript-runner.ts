/**
 * Whether a worker can run a TypeScript module, decided before it is started: its runtime
 * strips types (Deno, Bun, a Node that does: `process.features.typescript`), or its Node
 * options load a loader (`--import tsx`, as a parent under tsx passes on). With neither, the
 * start fails at once with a StartupError saying how to run it. A loader that turns out not
 * to handle `.ts` fails in the worker; `typeScriptRefused` gives the handles' StartupError the
 * same advice.
 *
 * tsx registers itself in worker threads only on Node 22.22.3, 24.11.1 and later (tsx 4.23),
 * and a Node that strips types does not resolve `import './x.js'` to x.ts as tsx does: a
 * thread whose options load tsx starts at `typescript-thread.ts`, which registers tsx through
 * its API (`tsx/esm/api`) and imports the module. Where tsx registered itself already, the
 * second registration is harmless (the workers' tests pass so on Node 22.23 and 24.21).
 */
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, isAbsolute, join, resolve } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { startupFailed } from '../errors/worker-errors.js'

/** The workerData key of a thread started at typescript-thread.ts: what it registers and imports. */
export const TSX_THREAD = '$forkrpcTsxThread'

/** What typescript-thread.ts reads from its workerData under TSX_THREAD. */
export interface TsxThread {
  /** The file: URL of tsx's `tsx/esm/api`. */
  readonly api: string
  /** The file: URL of the worker module. */
  readonly module: string
}

/** What the worker's start depends on. */
export interface TypeScriptWorker {
  /** The TypeScript module's absolute path. */
  readonly module: string
  readonly thread: boolean
  /** The worker's Node options (its execArgv) and its NODE_OPTIONS. */
  readonly execArgv: readonly string[]
  readonly nodeOptions: string | undefined
  /** Another runtime than this process's: it is left to say whether it runs TypeScript. */
  readonly otherExecPath: boolean
  /** Whether this process's runtime runs TypeScript itself; default: it says so. */
  readonly stripsTypes?: boolean | undefined
}

/** Node options that load code before the module: a loader comes in one of these. */
const LOADER_OPTIONS = new Set(['--import', '--require', '-r', '--loader', '--experimental-loader'])
/** A loader that is tsx: `tsx`, `tsx/esm`, or a file of the tsx package. */
const TSX = /^tsx(?:\/|$)|[\\/]tsx[\\/]/
/** What the advice says, after what went wrong. */
const ADVICE =
  "run this process under tsx (`tsx main.ts`: its loader is passed on to workers), give the worker a loader (`execArgv: ['--import', 'tsx']`; under vitest, the config's `test.execArgv`), use a Node that strips types (22.18 or later), or start the built .js"

/** How the worker runs `module`: as it is, or (a thread whose loader is tsx) through tsx's API; a StartupError when nothing would run it. */
export function typeScriptRunner(worker: TypeScriptWorker): { readonly tsxThread?: TsxThread } {
  if (worker.otherExecPath) return {}
  const loaders = loadersOf([...worker.execArgv, ...(worker.nodeOptions ?? '').split(/\s+/).filter(Boolean)])
  const tsx = loaders.find((loader) => TSX.test(loader))
  if (worker.thread && tsx !== undefined) {
    const api = tsxApi(tsx)
    if (api === undefined) throw startupFailed(worker.module, `it is TypeScript and the thread's loader is tsx, whose API (tsx/esm/api) registers it in a thread, but that was not found from ${tsx}; ${ADVICE}`)
    return { tsxThread: { api, module: pathToFileURL(worker.module).href } }
  }
  const strips = (worker.stripsTypes ?? runtimeStripsTypes()) && !worker.execArgv.includes('--no-experimental-strip-types')
  if (loaders.length === 0 && !strips) throw startupFailed(worker.module, `it is TypeScript, and nothing would run it: ${process.release.name} ${process.version} does not strip types and the worker gets no loader; ${ADVICE}`)
  return {}
}

/** Why a worker `label` ended before serving, when its runtime refused to load TypeScript; otherwise undefined. */
export function typeScriptRefused(label: string, stderr: string | undefined): string | undefined {
  if (!/\.(?:[cm]?ts|tsx)$/.test(label) || !/ERR_UNKNOWN_FILE_EXTENSION|Unknown file extension "\.[cm]?tsx?"/.test(stderr ?? '')) return undefined
  return `its runtime refused the TypeScript file (Unknown file extension): no loader it was given runs .ts; ${ADVICE}`
}

/** Node 22.18+ and 23.6+ strip types by default (`'strip'`, or `'transform'` with its flag); Deno and Bun run TypeScript. */
function runtimeStripsTypes(): boolean {
  const versions = process.versions as NodeJS.ProcessVersions & { deno?: string; bun?: string }
  if (versions.deno !== undefined || versions.bun !== undefined) return true
  return Boolean((process.features as { typescript?: string | false }).typescript)
}

/** The modules the loader options of `argv` name (`--import x` and `--import=x`). */
function loadersOf(argv: readonly string[]): string[] {
  const loaders: string[] = []
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string
    const equals = arg.indexOf('=')
    if (equals > 0 && LOADER_OPTIONS.has(arg.slice(0, equals))) loaders.push(arg.slice(equals + 1))
    else if (LOADER_OPTIONS.has(arg) && i + 1 < argv.length) loaders.push(argv[++i] as string)
  }
  return loaders
}

/** The file: URL of `tsx/esm/api` (its `import` export) of the tsx that `loader` names, resolved as Node resolves the loader. */
function tsxApi(loader: string): string | undefined {
  try {
    const from = loader.startsWith('file:') ? fileURLToPath(loader) : isAbsolute(loader) || loader.startsWith('.') ? resolve(loader) : join(process.cwd(), 'noop.js')
    const manifest = createRequire(from).resolve('tsx/package.json')
    const exports = (JSON.parse(readFileSync(manifest, 'utf8')) as { exports?: Record<string, { import?: { default?: unknown } }> }).exports
    const api = exports?.['./esm/api']?.import?.default
    return typeof api === 'string' ? pathToFileURL(join(dirname(manifest), api)).href : undefined
  } catch {
    return undefined
  }
}
