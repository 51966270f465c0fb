#!/usr/bin/env node
/**
 * The JavaScript runtimes the tests and CI run forkrpc on besides the machine's own Node:
 * each is an npm package (the binaries ship inside the registry packages), installed on first
 * use into `.runtimes/<name>/` of this checkout (git-ignored) at the version pinned here, so
 * that a fresh machine with only Node.js and npm needs nothing else.
 *
 *   node scripts/runtimes.mjs deno bun   # installs them if missing, prints "name path" lines
 *
 * From a test or a script: `import { ensureRuntime, runtimeCommand } from '../scripts/runtimes.mjs'`.
 */
import { execFileSync } from 'node:child_process'
import { accessSync, constants, mkdirSync, rmSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')

/**
 * Each runtime: the npm package at its pinned version, its binary inside the install, and
 * the arguments that come before a script's path to run it (`deno run -A script.mjs`;
 * `-A`: every permission, as Node has them).
 */
export const RUNTIMES = {
  node22: { spec: 'node@22', bin: 'node_modules/node/bin/node', scriptArgs: [] },
  node24: { spec: 'node@24', bin: 'node_modules/node/bin/node', scriptArgs: [] },
  node26: { spec: 'node@26', bin: 'node_modules/node/bin/node', scriptArgs: [] },
  bun: { spec: 'bun@1.4.5', bin: 'node_modules/bun/bin/bun.exe', scriptArgs: [] },
  deno: { spec: 'deno@2.9.6', bin: 'node_modules/.bin/deno', scriptArgs: ['run', '-A'] },
}

/** Where `name` is installed (whether or not it is there yet). */
export function runtimeDir(name) {
  return join(root, '.runtimes', name)
}

/** The binary of `name`, or undefined when it is not installed. */
export function findRuntime(name) {
  const runtime = RUNTIMES[name]
  if (runtime === undefined) throw new TypeError(`unknown runtime "${name}"; known: ${Object.keys(RUNTIMES).join(', ')}`)
  const bin = join(runtimeDir(name), runtime.bin)
  try {
    accessSync(bin, constants.X_OK)
    return bin
  } catch {
    return undefined
  }
}

/** The binary of `name`, installed first (npm, from the registry) when it is missing. */
export function ensureRuntime(name) {
  const found = findRuntime(name)
  if (found !== undefined) return found
  const dir = runtimeDir(name)
  rmSync(dir, { recursive: true, force: true })
  mkdirSync(dir, { recursive: true })
  console.error(`forkrpc: installing ${RUNTIMES[name].spec} into ${dir} (first use)`)
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', '--no-save', '--prefix', dir, RUNTIMES[name].spec], { stdio: ['ignore', 'ignore', 'inherit'] })
  const installed = findRuntime(name)
  if (installed === undefined) throw new Error(`forkrpc: installed ${RUNTIMES[name].spec} but found no binary at ${join(dir, RUNTIMES[name].bin)}`)
  return installed
}

/**
 * The command that runs a script on `name`, installed first when it is missing, as the
 * options `fork()` takes for a worker on that runtime: `{ execPath, execArgv }`.
 */
export function runtimeCommand(name) {
  return { execPath: ensureRuntime(name), execArgv: [...RUNTIMES[name].scriptArgs] }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const names = process.argv.slice(2)
  for (const name of names.length > 0 ? names : Object.keys(RUNTIMES)) console.log(`${name} ${ensureRuntime(name)}`)
}
