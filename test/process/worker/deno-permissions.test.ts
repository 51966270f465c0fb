/**
 * A Node parent forking a worker that runs on Deno (`execPath`) under Deno's permission
 * flags: the security boundary for code you do not trust. With `--allow-read` limited and no
 * `--allow-env`, forkrpc itself still starts there (it reads its debug switch from the
 * environment only where allowed); `permissions` become Deno's flags, and what Deno denies
 * reaches the caller as PermissionDeniedError. Deno is installed on first use
 * (scripts/runtimes.mjs), so a fresh machine needs nothing else.
 */
import { dirname } from 'node:path'
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { fork, PermissionDeniedError, WorkerOutOfMemoryError, type ForkOptions } from '@forkrpc/core'
import { ensureRuntime } from '../../../scripts/runtimes.mjs'
import { confined } from '../../fixtures/confined.contract.mjs'
import { fixture } from '../../helpers.js'

const worker = fixture('confined.worker.mjs')
const code = dirname(worker)
const repo = dirname(dirname(code))
let deno: string
beforeAll(() => {
  deno = (ensureRuntime as (name: string) => string)('deno')
}, 300_000)

const open = new Set<{ close(): Promise<unknown> }>()
afterEach(async () => {
  await Promise.all([...open].map((closable) => closable.close()))
  open.clear()
})

async function onDeno(options: ForkOptions): Promise<Awaited<ReturnType<typeof fork<typeof confined>>>> {
  const started = await fork(confined, worker, { execPath: deno, stdio: ['ignore', 'ignore', 'pipe', 'ipc'], startupTimeout: 30_000, ...options })
  open.add(started)
  return started
}

const outcome = (promise: Promise<unknown>): Promise<unknown> => promise.catch((error: unknown) => error)
/** Deno gives a worker thread or WASI no more than the worker's own permissions, and cannot deny them: they must say so. */
const ungated = { workerThreads: true, wasi: true } as const

describe('a worker on Deno', () => {
  it("starts with --allow-read limited to the app and no --allow-env (forkrpc's debug switch reads as unset)", async () => {
    const started = await onDeno({ execArgv: ['run', `--allow-read=${repo}`] })
    expect(await started.call.read(worker)).toContain('serve(confined')
    expect(await outcome(started.call.read('/etc/passwd'))).toMatchObject({ name: 'PermissionDeniedError', permission: 'read', resource: '/etc/passwd' })
  })

  it('runs under permissions turned into Deno flags: reads, env names and child processes denied as PermissionDeniedError', async () => {
    const started = await onDeno({ permissions: { ...ungated, read: [code], env: ['KEPT'] }, env: { KEPT: 'yes', SECRET: 'no' } })
    expect(started.process.spawnargs).toContain('--no-prompt')
    expect(await started.call.env(['KEPT'])).toEqual({ KEPT: 'yes' })
    const env = await outcome(started.call.env(['SECRET']))
    expect(env).toBeInstanceOf(PermissionDeniedError)
    expect(env).toMatchObject({ permission: 'env', resource: 'SECRET' })
    expect(await outcome(started.call.read(`${repo}/package.json`))).toMatchObject({ name: 'PermissionDeniedError', permission: 'read', resource: `${repo}/package.json` })
    // Deno's child_process asks for the environment first, so the denial names env or run.
    expect(await outcome(started.call.spawn())).toMatchObject({ name: 'PermissionDeniedError', permission: expect.stringMatching(/^(env|childProcess)$/) })
  })

  it('keeps a worker thread it starts under its own permissions (unlike Node)', async () => {
    const started = await onDeno({ permissions: { ...ungated, read: [code] } })
    expect(await outcome(started.call.readInThread('/etc/passwd'))).toMatchObject({ message: expect.stringContaining('Requires read access to "/etc/passwd"') })
  })

  it('refuses permissions Deno cannot enforce, and extra grants in execArgv, with a TypeError', async () => {
    await expect(fork(confined, worker, { execPath: deno, permissions: { read: [code] } })).rejects.toThrow(/permissions.workerThreads: Deno cannot deny worker threads/)
    await expect(fork(confined, worker, { execPath: deno, execArgv: ['run', '-A'], permissions: { ...ungated, read: [code] } })).rejects.toThrow(/execArgv has -A, which permissions would contradict/)
  })

  it('dies of its heap limit as WorkerOutOfMemoryError', async () => {
    const hog = await onDeno({ permissions: { ...ungated, read: [code] }, heapLimitMb: 32 })
    expect(await outcome(hog.call.hog())).toBeInstanceOf(WorkerOutOfMemoryError)
  })
})
