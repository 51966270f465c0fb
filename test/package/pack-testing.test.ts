/**
 * The packed @forkrpc/testing, installed with npm beside the packed core into a fresh
 * plain-JavaScript project without vitest: the fixture workers ship in the tarball and run
 * under plain node with a contract of the project's own; the main entry needs no vitest.
 */
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'

const coreDir = fileURLToPath(new URL('../../packages/core/', import.meta.url))
const testingDir = fileURLToPath(new URL('../../packages/testing/', import.meta.url))
const testingProject = mkdtempSync(join(tmpdir(), 'forkrpc-pack-testing-'))
afterAll(() => rmSync(testingProject, { recursive: true, force: true }))

const run = (command: string, args: string[], cwd: string): string =>
  execFileSync(command, args, { cwd, encoding: 'utf8', timeout: 120_000, stdio: ['ignore', 'pipe', 'pipe'] })

describe('the packed testing package', { timeout: 180_000 }, () => {
  it('@forkrpc/testing installs beside it; its fixture workers run under plain node with a contract of their own', () => {
    run('npm', ['pack', '--ignore-scripts', '--pack-destination', testingProject], coreDir)
    // pnpm pack turns the workspace:^ range on @forkrpc/core into a real one.
    const listing = JSON.parse(run('pnpm', ['pack', '--ignore-scripts', '--json', '--pack-destination', testingProject], testingDir)) as { files: Array<{ path: string }> }
    const packed = listing.files.map((file) => file.path)
    for (const name of ['never-ready', 'exits-at-startup', 'crash-on-first-call', 'hang', 'ignore-sigterm', 'flood', 'slow']) {
      expect(packed).toContain(`dist/fixtures/${name}.js`)
    }
    expect(packed).toContain('dist/vitest.js')
    const tarballs = readdirSync(testingProject).filter((name) => name.endsWith('.tgz'))
    expect(tarballs.sort()).toEqual([expect.stringMatching(/^forkrpc-core-/), expect.stringMatching(/^forkrpc-testing-/)])
    writeFileSync(join(testingProject, 'package.json'), JSON.stringify({ name: 'newcomer', private: true, type: 'module' }))
    // No vitest here: the main entry must not need it.
    run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', ...tarballs.map((name) => `./${name}`)], testingProject)
    writeFileSync(
      join(testingProject, 'main.js'),
      `import { pathToFileURL } from 'node:url'
import { defineContract, fork, procedure, StartupError, WorkerExitedError } from '@forkrpc/core'
import { createTestPair, fixtures, mockWorker, NotImplementedError } from '@forkrpc/testing'
const contract = defineContract({ render: procedure(), ping: procedure() })
const worker = await fork(contract, fixtures.crashOnFirstCall, { stdio: ['ignore', 'ignore', 'pipe', 'ipc'] })
const crash = await worker.call.render({ page: 1 }).catch((e) => e)
await worker.close()
const startup = await fork(contract, fixtures.exitsAtStartup, { stdio: ['ignore', 'ignore', 'pipe', 'ipc'] }).catch((e) => e)
const pair = createTestPair(contract, { render: (input) => input, ping: () => 'pong' })
const pending = pair.call.render(1)
pair.faults.exit({ signal: 'SIGKILL' })
const killed = await pending.catch((e) => e)
const mock = mockWorker(contract, { ping: () => 'pong' })
const mocked = [await mock.call.ping(), (await mock.call.render(1).catch((e) => e)) instanceof NotImplementedError, mock.calls.length]
console.log(JSON.stringify({
  crash: crash instanceof WorkerExitedError && crash.exitCode,
  startup: startup instanceof StartupError && startup.exitCode,
  killed: killed instanceof WorkerExitedError && killed.signal,
  mocked,
  resolved: import.meta.resolve('@forkrpc/testing/fixtures/slow') === pathToFileURL(fixtures.slow).href,
}))
`,
    )
    const output = run(process.execPath, ['main.js'], testingProject)
    expect(JSON.parse(output)).toEqual({ crash: 1, startup: 1, killed: 'SIGKILL', mocked: ['pong', true, 2], resolved: true })
  })
})
