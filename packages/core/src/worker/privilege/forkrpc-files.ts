/**
 * The files a worker under a permission model must be able to read for forkrpc to load:
 * `@forkrpc/core` and the packages it depends on, each at its real path and at the path it
 * is reached by (`node_modules/<name>`, a symlink under pnpm), since module resolution
 * checks both.
 */
import { existsSync, readFileSync, realpathSync } from 'node:fs'
import { basename, dirname, join, parse } from 'node:path'
import { fileURLToPath } from 'node:url'

const OWN_NAME = '@forkrpc/core'
const closures = new Map<string, readonly string[]>()

/**
 * The paths (folders, read with everything under them) that a worker module at `modulePath`
 * needs to load `@forkrpc/core`: the package as the module reaches it, this process's copy,
 * and their dependencies.
 */
export function forkrpcFiles(modulePath: string): string[] {
  const paths = new Set<string>(packageClosure(ownRoot()))
  const link = reach(dirname(modulePath), OWN_NAME)
  if (link !== undefined) {
    paths.add(link)
    for (const path of packageClosure(realpathSync(link))) paths.add(path)
  }
  return [...paths]
}

/** This package's root: the nearest folder up from this file with forkrpc's package.json. */
function ownRoot(): string {
  for (let dir = dirname(fileURLToPath(import.meta.url)); dir !== parse(dir).root; dir = dirname(dir)) {
    if (readName(dir) === OWN_NAME) return realpathSync(dir)
  }
  throw new Error('forkrpc: cannot find the root of @forkrpc/core')
}

/** The real root of the package at `root` and of everything it depends on, each also as reached. */
function packageClosure(root: string): readonly string[] {
  let closure = closures.get(root)
  if (closure !== undefined) return closure
  const paths = new Set<string>()
  const pending = [root]
  while (pending.length > 0) {
    const dir = pending.pop() as string
    if (paths.has(dir)) continue
    paths.add(dir)
    for (const name of dependenciesOf(dir)) {
      const link = reach(dir, name)
      if (link === undefined) continue
      paths.add(link)
      pending.push(realpathSync(link))
    }
  }
  closure = [...paths]
  closures.set(root, closure)
  return closure
}

/** Where Node finds package `name` from `dir`: the first `node_modules/<name>` up the tree. */
function reach(dir: string, name: string): string | undefined {
  for (let at = dir; ; at = dirname(at)) {
    // As Node does, a folder that is itself `node_modules` is not given another one.
    const candidate = basename(at) === 'node_modules' ? join(at, name) : join(at, 'node_modules', name)
    if (existsSync(candidate)) return candidate
    if (at === parse(at).root) return undefined
  }
}

function dependenciesOf(dir: string): string[] {
  return Object.keys(readManifest(dir)?.dependencies ?? {})
}

function readName(dir: string): string | undefined {
  return readManifest(dir)?.name
}

function readManifest(dir: string): { name?: string; dependencies?: Record<string, string> } | undefined {
  try {
    return JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string; dependencies?: Record<string, string> }
  } catch {
    return undefined
  }
}
