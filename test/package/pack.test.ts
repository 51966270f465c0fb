/**
 * The packed packages, installed with npm into a fresh project, work from every kind of
 * consumer: plain ESM JavaScript (no tsx), CommonJS `require` (through Node's require(esm)),
 * and TypeScript with `moduleResolution` NodeNext and Bundler (types resolve and are real,
 * not `any`). Packed with pnpm as publishing does (workspace:^ becomes a version), without
 * the prepack build: dist/ is already built by the test command, and rebuilding it here
 * would pull it from under the test files running in parallel.
 */
import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const root = fileURLToPath(new URL('../../', import.meta.url))
const project = mkdtempSync(join(tmpdir(), 'forkrpc-pack-'))
afterAll(() => rmSync(project, { recursive: true, force: true }))

const run = (command: string, args: string[], cwd: string): string =>
  execFileSync(command, args, { cwd, encoding: 'utf8', timeout: 120_000, stdio: ['ignore', 'pipe', 'pipe'] })

function pack(name: string): string {
  const output = run('pnpm', ['pack', '--config.ignore-scripts=true', '--pack-destination', project], join(root, 'packages', name))
  return output.trim().split('\n').at(-1) as string
}

const write = (file: string, text: string): void => writeFileSync(join(project, file), text)

beforeAll(() => {
  const tarballs = [pack('core'), pack('testing')]
  write('package.json', JSON.stringify({ name: 'newcomer', private: true, type: 'module' }))
  run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', ...tarballs], project)
  write(
    'contract.js',
    `import { defineContract, procedure } from '@forkrpc/core'
export class Oops extends Error {}
export const contract = defineContract({ add: procedure(), fail: procedure() }, { errors: [Oops] })
`,
  )
  write(
    'worker.js',
    `import { serve } from '@forkrpc/core'
import { contract, Oops } from './contract.js'
serve(contract, { add: ({ a, b }) => a + b, fail: () => { throw new Oops('nope') } })
`,
  )
}, 120_000)

describe('the packed packages', () => {
  it('work from plain ESM JavaScript, without tsx', () => {
    write(
      'main.js',
      `import { fork } from '@forkrpc/core'
import { contract, Oops } from './contract.js'
const worker = await fork(contract, new URL('./worker.js', import.meta.url))
const sum = await worker.call.add({ a: 2, b: 3 })
const error = await worker.call.fail().catch((e) => e)
const exit = await worker.close()
console.log(JSON.stringify({ sum, oops: error instanceof Oops, exit }))
`,
    )
    expect(JSON.parse(run(process.execPath, ['main.js'], project))).toEqual({ sum: 5, oops: true, exit: { code: 0, signal: null, forced: false } })
  })

  it('work from CommonJS require()', () => {
    write(
      'main.cjs',
      `const { fork, defineContract, procedure, PayloadTooLargeError } = require('@forkrpc/core')
const { createClient } = require('@forkrpc/core/channel')
const { createTestPair } = require('@forkrpc/testing')
const contract = defineContract({ add: procedure() })
;(async () => {
  const pair = createTestPair(contract, { add: ({ a, b }) => a + b })
  const inMemory = await pair.call.add({ a: 1, b: 1 })
  await pair.close()
  const worker = await fork(contract, require('node:path').join(__dirname, 'worker.js'))
  const forked = await worker.call.add({ a: 2, b: 2 })
  await worker.close()
  console.log(JSON.stringify({ inMemory, forked, createClient: typeof createClient, error: typeof PayloadTooLargeError }))
})()
`,
    )
    // worker.js serves the ESM contract with add and fail; this contract only has add.
    write('worker.js', `import { serve, defineContract, procedure } from '@forkrpc/core'\nserve(defineContract({ add: procedure() }), { add: ({ a, b }) => a + b })\n`)
    expect(JSON.parse(run(process.execPath, ['main.cjs'], project))).toEqual({ inMemory: 2, forked: 4, createClient: 'function', error: 'function' })
  })

  it.each([
    ['NodeNext', { module: 'NodeNext', moduleResolution: 'NodeNext' }],
    ['Bundler', { module: 'ESNext', moduleResolution: 'Bundler' }],
  ])('type-check from TypeScript with moduleResolution %s, with real types', (name, options) => {
    write(
      'consumer.ts',
      `import { defineContract, procedure, fork, serve, TimeoutError, type RpcWorker } from '@forkrpc/core'
import { createClient, type Channel } from '@forkrpc/core/channel'
import { createTestPair, createMemoryChannelPair } from '@forkrpc/testing'

const math = defineContract({ add: procedure<{ a: number; b: number }, number>() })
export async function use(worker: RpcWorker<typeof math>): Promise<number> {
  const sum: number = await worker.call.add({ a: 1, b: 2 })
  // @ts-expect-error the input is typed: a string is not { a: number; b: number }
  await worker.call.add('nope')
  // @ts-expect-error the output is typed: a number is not a string
  const wrong: string = await worker.call.add({ a: 1, b: 2 })
  const pair = createTestPair(math, { add: ({ a, b }) => a + b })
  const channel: Channel = createMemoryChannelPair().parent
  createClient(math, channel)
  void [fork, serve, wrong, pair, TimeoutError]
  return sum
}
`,
    )
    const config = `tsconfig.${name}.json`
    write(
      config,
      JSON.stringify({
        compilerOptions: { ...options, target: 'ES2022', strict: true, noEmit: true, skipLibCheck: false, types: ['node'], typeRoots: [join(root, 'node_modules/@types')] },
        files: ['consumer.ts'],
      }),
    )
    const tsc = join(root, 'node_modules/typescript/bin/tsc')
    expect(() => run(process.execPath, [tsc, '-p', config], project)).not.toThrow()
  }, 120_000) // tsc takes a few seconds alone, and much longer beside the rest of the suite
})
