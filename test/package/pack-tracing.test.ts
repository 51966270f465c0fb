/**
 * The packed @forkrpc/tracing, installed with npm beside the packed core into a fresh project:
 * its peer dependencies are what it needs (npm installs `@opentelemetry/api`, a required peer,
 * by itself), it has no dependencies of its own, its types resolve from TypeScript, and without
 * any OpenTelemetry SDK it changes nothing: calls work, and nothing travels in their metadata.
 */
import { execFileSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'

const root = fileURLToPath(new URL('../../', import.meta.url))
const project = mkdtempSync(join(tmpdir(), 'forkrpc-pack-tracing-'))
afterAll(() => rmSync(project, { recursive: true, force: true }))

const run = (command: string, args: string[], cwd: string): string =>
  execFileSync(command, args, { cwd, encoding: 'utf8', timeout: 120_000, stdio: ['ignore', 'pipe', 'pipe'] })
const write = (file: string, text: string): void => writeFileSync(join(project, file), text)

describe('the packed tracing package', { timeout: 180_000 }, () => {
  it('installs with its peers, type-checks, and without an SDK lets calls through unchanged', () => {
    for (const name of ['core', 'tracing']) run('pnpm', ['pack', '--config.ignore-scripts=true', '--pack-destination', project], join(root, 'packages', name))
    const tarballs = readdirSync(project).filter((name) => name.endsWith('.tgz'))
    expect(tarballs.sort()).toEqual([expect.stringMatching(/^forkrpc-core-/), expect.stringMatching(/^forkrpc-tracing-/)])
    write('package.json', JSON.stringify({ name: 'newcomer', private: true, type: 'module' }))
    // Only the tarballs: npm adds @opentelemetry/api itself, since it is a required peer.
    run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', ...tarballs.map((name) => `./${name}`)], project)
    const manifest = JSON.parse(readFileSync(join(project, 'node_modules/@forkrpc/tracing/package.json'), 'utf8')) as Record<string, unknown>
    expect(manifest.dependencies).toBeUndefined()
    expect(manifest.peerDependencies).toEqual({ '@forkrpc/core': expect.stringMatching(/^\^0\.\d+\.\d+$/), '@opentelemetry/api': '^1.0.0' })
    expect(manifest.peerDependenciesMeta).toBeUndefined()
    expect(existsSync(join(project, 'node_modules/@opentelemetry/api/package.json'))).toBe(true)

    write('contract.js', `import { defineContract, procedure } from '@forkrpc/core'\nexport const contract = defineContract({ metadata: procedure() })\n`)
    write(
      'worker.js',
      `import { serve } from '@forkrpc/core'
import { tracingInterceptors } from '@forkrpc/tracing'
import { contract } from './contract.js'
serve(contract, { metadata: (_input, ctx) => ({ ...ctx.metadata }) }, { interceptors: tracingInterceptors() })
`,
    )
    write(
      'main.js',
      `import { fork } from '@forkrpc/core'
import { tracingInterceptors } from '@forkrpc/tracing'
import { contract } from './contract.js'
const worker = await fork(contract, new URL('./worker.js', import.meta.url), { interceptors: tracingInterceptors({ service: 'newcomer' }) })
const metadata = await worker.call.metadata()
const exit = await worker.close()
console.log(JSON.stringify({ metadata, exit }))
`,
    )
    expect(JSON.parse(run(process.execPath, ['main.js'], project))).toEqual({ metadata: {}, exit: { code: 0, signal: null, forced: false } })

    write(
      'consumer.ts',
      `import { fork, type Interceptors } from '@forkrpc/core'
import { tracingInterceptors, type TracingInterceptors, type TracingOptions } from '@forkrpc/tracing'
import { trace } from '@opentelemetry/api'
const options: TracingOptions = { tracerProvider: trace.getTracerProvider(), service: 'newcomer' }
const tracing: TracingInterceptors = tracingInterceptors(options)
export const interceptors: Interceptors = { call: [...tracing.call], handler: tracing.handler }
// @ts-expect-error service is a string
tracingInterceptors({ service: 1 })
void fork
`,
    )
    write(
      'tsconfig.json',
      JSON.stringify({
        compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', target: 'ES2022', strict: true, noEmit: true, skipLibCheck: false, types: ['node'], typeRoots: [join(root, 'node_modules/@types')] },
        files: ['consumer.ts'],
      }),
    )
    expect(() => run(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json'], project)).not.toThrow()
  })
})
