/**
 * What runs a forked worker, and what its permission model offers: found by capability (the
 * Node options it accepts, `process.allowedNodeEnvironmentFlags`), not by its version. For
 * this process's own binary the answer is at hand; another `execPath` is asked once (it runs
 * `--version`, and a Node `-p` of its flags), and the answer is kept.
 */
import { execFileSync } from 'node:child_process'

/**
 * A worker's runtime: Node with the options it accepts, Deno, or another (Bun, ...), which
 * has no permission model forkrpc knows.
 */
export type WorkerRuntimeKind = { readonly kind: 'node'; readonly flags: ReadonlySet<string> } | { readonly kind: 'deno' } | { readonly kind: 'other'; readonly name: string }

const PROBE_TIMEOUT_MS = 10_000
const known = new Map<string, WorkerRuntimeKind>()

/** The runtime `execPath` (default: this process's) is. */
export function workerRuntime(execPath: string | undefined): WorkerRuntimeKind {
  const path = execPath ?? process.execPath
  let runtime = known.get(path)
  if (runtime === undefined) {
    runtime = path === process.execPath ? thisRuntime() : probe(path)
    known.set(path, runtime)
  }
  return runtime
}

function thisRuntime(): WorkerRuntimeKind {
  const versions = process.versions as NodeJS.ProcessVersions & { deno?: string; bun?: string }
  if (versions.deno !== undefined) return { kind: 'deno' }
  if (versions.bun !== undefined) return { kind: 'other', name: 'Bun' }
  return { kind: 'node', flags: process.allowedNodeEnvironmentFlags }
}

function probe(execPath: string): WorkerRuntimeKind {
  const version = run(execPath, ['--version'])
  if (/^deno\b/i.test(version)) return { kind: 'deno' }
  if (!/^v\d/.test(version)) return { kind: 'other', name: `${execPath} (${version.split('\n')[0]})` }
  const flags = run(execPath, ['-p', "[...process.allowedNodeEnvironmentFlags].join('\\n')"])
  return { kind: 'node', flags: new Set(flags.split('\n')) }
}

function run(execPath: string, args: string[]): string {
  try {
    return execFileSync(execPath, args, { encoding: 'utf8', timeout: PROBE_TIMEOUT_MS, stdio: ['ignore', 'pipe', 'ignore'], env: {} }).trim()
  } catch (error) {
    throw new TypeError(`could not ask ${execPath} what it supports (${(error as Error).message.split('\n')[0]})`, { cause: error })
  }
}
