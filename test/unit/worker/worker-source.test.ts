/**
 * The file a worker module names: the file, or the TypeScript source beside a `.js` (`.mjs`,
 * `.cjs`) that does not exist; and whether the worker's runtime and options can run a
 * TypeScript module (a loader, a runtime that strips types, tsx registered in a thread).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { StartupError } from '../../../packages/core/src/errors/worker-errors.js'
import { typeScriptRefused, typeScriptRunner, type TypeScriptWorker } from '../../../packages/core/src/worker/typescript-runner.js'
import { workerSource } from '../../../packages/core/src/worker/worker-source.js'
import { tsx } from '../../helpers.js'

const folder = mkdtempSync(join(tmpdir(), 'forkrpc-source-'))
afterAll(() => rmSync(folder, { recursive: true, force: true }))
const file = (name: string): string => {
  writeFileSync(join(folder, name), '')
  return join(folder, name)
}

describe('workerSource', () => {
  it('takes the TypeScript source beside a .js, .mjs or .cjs that does not exist, as TypeScript resolves an import', () => {
    const ts = file('a.worker.ts')
    const mts = file('b.worker.mts')
    const cts = file('c.worker.cts')
    expect(workerSource(pathToFileURL(join(folder, 'a.worker.js')), 'fork()')).toEqual({ path: ts, typeScript: true })
    expect(workerSource(join(folder, 'b.worker.mjs'), 'fork()')).toEqual({ path: mts, typeScript: true })
    expect(workerSource('c.worker.cjs', 'fork()', folder)).toEqual({ path: cts, typeScript: true })
  })

  it('takes the file named when it exists, the built .js before its source', () => {
    file('built.worker.ts')
    const js = file('built.worker.js')
    expect(workerSource(js, 'fork()')).toEqual({ path: js, typeScript: false })
    const ts = file('named.worker.ts')
    expect(workerSource(ts, 'fork()')).toEqual({ path: ts, typeScript: true })
  })

  it('is a StartupError naming both when neither exists, and a TypeError for what is no module', () => {
    const missing = join(folder, 'missing.worker.js')
    const error = catching(() => workerSource(missing, 'fork()'))
    expect(error).toBeInstanceOf(StartupError)
    expect(error).toMatchObject({ module: missing, message: expect.stringContaining('the module file does not exist (nor its TypeScript source missing.worker.ts beside it)') })
    expect(catching(() => workerSource(join(folder, 'missing.worker.ts'), 'fork()'))).toMatchObject({ message: expect.stringMatching(/does not exist$/) })
    expect(() => workerSource(42, 'fork(contract, module)')).toThrow(TypeError)
  })
})

describe('typeScriptRunner', () => {
  const worker = (over: Partial<TypeScriptWorker>): TypeScriptWorker => ({ module: '/app/w.ts', thread: false, execArgv: [], nodeOptions: undefined, otherExecPath: false, stripsTypes: false, ...over })

  it('refuses a TypeScript module that nothing would run, with StartupError saying how to run it', () => {
    for (const thread of [false, true]) {
      const error = catching(() => typeScriptRunner(worker({ thread })))
      expect(error).toBeInstanceOf(StartupError)
      expect(error).toMatchObject({ module: '/app/w.ts', message: expect.stringContaining('it is TypeScript, and nothing would run it') })
      for (const way of ['tsx main.ts', "execArgv: ['--import', 'tsx']", 'test.execArgv', '22.18', 'built .js']) expect((error as Error).message).toContain(way)
    }
  })

  it('runs it as it is when the runtime strips types (unless the worker is told not to), or another execPath is left to say', () => {
    expect(typeScriptRunner(worker({ stripsTypes: true }))).toEqual({})
    expect(typeScriptRunner(worker({ stripsTypes: true, thread: true }))).toEqual({})
    expect(() => typeScriptRunner(worker({ stripsTypes: true, execArgv: ['--no-experimental-strip-types'] }))).toThrow(StartupError)
    expect(typeScriptRunner(worker({ otherExecPath: true }))).toEqual({})
  })

  it("runs it in a process with any loader in its Node options or NODE_OPTIONS, in either form", () => {
    expect(typeScriptRunner(worker({ execArgv: ['--import', 'tsx'] }))).toEqual({})
    expect(typeScriptRunner(worker({ execArgv: ['--loader=ts-node/esm'] }))).toEqual({})
    expect(typeScriptRunner(worker({ nodeOptions: '--max-old-space-size=64 -r @swc-node/register' }))).toEqual({})
    // A flag that takes no module, or a loader option with nothing after it, is no loader.
    expect(() => typeScriptRunner(worker({ execArgv: ['--enable-source-maps', '--import'] }))).toThrow(StartupError)
  })

  it('starts a thread whose loader is tsx at its entry that registers tsx, found from the loader as Node resolves it', () => {
    for (const execArgv of [tsx, ['--import', 'tsx'], [`--import=${tsx[1]}`]]) {
      const { tsxThread } = typeScriptRunner(worker({ thread: true, execArgv, module: '/app/w.ts' }))
      expect(tsxThread?.module).toBe('file:///app/w.ts')
      expect(tsxThread?.api).toMatch(/^file:\/\/.*\/tsx\/dist\/esm\/api\/index\.mjs$/)
    }
    // A process gets tsx from its Node options as they are; a thread with another loader too.
    expect(typeScriptRunner(worker({ execArgv: tsx }))).toEqual({})
    expect(typeScriptRunner(worker({ thread: true, execArgv: ['--import', '@swc-node/register/esm-register'] }))).toEqual({})
  })

  it('is a StartupError when a thread loader is tsx but tsx cannot be found from it', () => {
    const error = catching(() => typeScriptRunner(worker({ thread: true, execArgv: ['--import', '/nowhere/node_modules/tsx/dist/loader.mjs'] })))
    expect(error).toBeInstanceOf(StartupError)
    expect((error as Error).message).toContain('tsx/esm/api')
  })
})

describe('typeScriptRefused', () => {
  it('explains a worker whose runtime refused a .ts file, and nothing else', () => {
    const stderr = 'TypeError [ERR_UNKNOWN_FILE_EXTENSION]: Unknown file extension ".ts" for /app/w.ts'
    expect(typeScriptRefused('/app/w.ts', stderr)).toMatch(/^its runtime refused the TypeScript file \(Unknown file extension\): no loader it was given runs \.ts; run this process under tsx/)
    expect(typeScriptRefused('/app/w.mts', stderr)).toMatch(/refused the TypeScript file/)
    expect(typeScriptRefused('/app/w.js', stderr)).toBeUndefined()
    expect(typeScriptRefused('/app/w.ts', 'Error: boom')).toBeUndefined()
    expect(typeScriptRefused('/app/w.ts', undefined)).toBeUndefined()
  })
})

function catching(run: () => unknown): unknown {
  try {
    run()
  } catch (error) {
    return error
  }
  throw new Error('it did not throw')
}
