/**
 * The packed @forkrpc/core, installed with npm into a fresh plain-JavaScript project, runs a
 * worker under plain node: the exports map, the built dist/ and the dependencies are right.
 */
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'

const coreDir = fileURLToPath(new URL('../packages/core/', import.meta.url))
const project = mkdtempSync(join(tmpdir(), 'forkrpc-pack-'))
afterAll(() => rmSync(project, { recursive: true, force: true }))

const run = (command: string, args: string[], cwd: string): string =>
  execFileSync(command, args, { cwd, encoding: 'utf8', timeout: 120_000, stdio: ['ignore', 'pipe', 'pipe'] })

describe('the packed package', () => {
  it('installs into a plain-JavaScript project and works there without tsx', () => {
    // --ignore-scripts: dist/ is already built by the test command, and rebuilding it here
    // would pull it from under the test files running in parallel.
    run('npm', ['pack', '--ignore-scripts', '--pack-destination', project], coreDir)
    const tarball = readdirSync(project).find((name) => name.endsWith('.tgz'))
    expect(tarball).toMatch(/^forkrpc-core-.*\.tgz$/)
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'newcomer', private: true, type: 'module' }))
    run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', `./${tarball}`], project)
    writeFileSync(
      join(project, 'contract.js'),
      `import { defineContract, procedure } from '@forkrpc/core'
export class Oops extends Error {}
export const contract = defineContract({ add: procedure(), fail: procedure() }, { errors: [Oops] })
`,
    )
    writeFileSync(
      join(project, 'worker.js'),
      `import { serve } from '@forkrpc/core'
import { contract, Oops } from './contract.js'
serve(contract, { add: ({ a, b }) => a + b, fail: () => { throw new Oops('nope') } })
`,
    )
    writeFileSync(
      join(project, 'main.js'),
      `import { fork } from '@forkrpc/core'
import { contract, Oops } from './contract.js'
const worker = await fork(contract, new URL('./worker.js', import.meta.url))
const sum = await worker.call.add({ a: 2, b: 3 })
const error = await worker.call.fail().catch((e) => e)
const exit = await worker.close()
console.log(JSON.stringify({ sum, oops: error instanceof Oops, exit }))
`,
    )
    const output = run(process.execPath, ['main.js'], project)
    expect(JSON.parse(output)).toEqual({ sum: 5, oops: true, exit: { code: 0, signal: null, forced: false } })
  })
})
