/**
 * Least-privilege workers on the machine's Node: a worker started with `permissions` runs
 * under Node's permission model and can do only what they name, and what it is denied
 * reaches the caller as PermissionDeniedError, from a process, a process pool, a thread and
 * a thread pool (a thread gets Node's permission model in its own execArgv; in a process
 * under the model, no more than the process has). `uid`/`gid` run the process as another user.
 */
import { execFile } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { createPool, fork, PermissionDeniedError, spawnThread, StartupError, type ForkOptions, type Pool, type RpcWorker, type WorkerPermissions } from '@forkrpc/core'
import { confined } from '../../fixtures/confined.contract.mjs'
import { fixture, track } from '../../helpers.js'

const worker = fixture('confined.worker.mjs')
/** The worker imports its contract from here: like any module it imports, it must be readable. */
const code = dirname(worker)
const repo = dirname(dirname(code))
/** Node 25 can deny the network; before it, `net: true` must say that it stays open. */
const net = !process.allowedNodeEnvironmentFlags.has('--allow-net')
/** Plain node, no tsx (whose loader needs worker threads and reads outside the module's folder); stderr quiet (Node 20 warns that the model is experimental). */
const quiet: ForkOptions = { execArgv: [], stdio: ['ignore', 'ignore', 'pipe', 'ipc'] }

let dir: string
let inside: string
let outside: string
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'forkrpc-permissions-'))
  inside = join(dir, 'allowed')
  outside = join(dir, 'secret.txt')
  writeFileSync(outside, 'secret')
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const open = new Set<{ close(): Promise<unknown> }>()
afterEach(async () => {
  await Promise.all([...open].map((closable) => closable.close()))
  open.clear()
})

async function start(permissions: WorkerPermissions, env?: NodeJS.ProcessEnv): Promise<RpcWorker<typeof confined>> {
  const started = await fork(confined, worker, { ...quiet, permissions: { ...permissions, read: [code, ...(Array.isArray(permissions.read) ? permissions.read : [])] }, env })
  open.add(started)
  return started
}

const outcome = (promise: Promise<unknown>): Promise<unknown> => promise.catch((error: unknown) => error)

describe('fork() with permissions', () => {
  it('reads and writes only the paths it is given; each denial is a PermissionDeniedError naming the permission and the resource', async () => {
    mkdirSync(inside)
    writeFileSync(join(inside, 'data.txt'), 'data')
    const confinedWorker = await start({ read: [inside], write: [inside], net })
    expect(await confinedWorker.call.read(join(inside, 'data.txt'))).toBe('data')
    await confinedWorker.call.write({ path: join(inside, 'out.txt'), text: 'written' })
    expect(readFileSync(join(inside, 'out.txt'), 'utf8')).toBe('written')

    const read = await outcome(confinedWorker.call.read(outside))
    expect(read).toBeInstanceOf(PermissionDeniedError)
    expect(read).toMatchObject({ code: 'ERR_FORKRPC_PERMISSION_DENIED', permission: 'read', resource: outside })
    const write = await outcome(confinedWorker.call.write({ path: outside, text: 'overwritten' }))
    expect(write).toMatchObject({ name: 'PermissionDeniedError', permission: 'write', resource: outside })
    expect(readFileSync(outside, 'utf8')).toBe('secret')
    // The same worker without permissions reads it: the denial is the option's doing.
    const free = await fork(confined, worker, quiet)
    open.add(free)
    expect(await free.call.read(outside)).toBe('secret')
  })

  it('denies child processes and worker threads unless given', async () => {
    const denied = await start({ net })
    expect(await outcome(denied.call.spawn())).toMatchObject({ name: 'PermissionDeniedError', permission: 'childProcess' })
    expect(await outcome(denied.call.thread())).toMatchObject({ name: 'PermissionDeniedError', permission: 'workerThreads' })
    const allowed = await start({ net, childProcess: true, workerThreads: true })
    expect(await allowed.call.spawn()).toBe(0)
    expect(await allowed.call.thread()).toBe(0)
  })

  it("lets a worker granted workerThreads escape Node's model: a thread it starts with execArgv [] is unconfined (Node's behaviour, measured; docs/security.md)", async () => {
    const escaping = await start({ net, workerThreads: true })
    expect(await outcome(escaping.call.read(outside))).toMatchObject({ name: 'PermissionDeniedError', permission: 'read' })
    expect(await escaping.call.readInThread(outside)).toBe('secret')
  })

  it('gives the worker only the environment variables it names (from env, or this process)', async () => {
    const named = await start({ net, env: ['KEPT'] }, { KEPT: 'yes', SECRET: 'no', NODE_OPTIONS: '--allow-fs-read=*' })
    expect(await named.call.envNames()).toEqual(['KEPT'])
    const none = await start({ net }, { SECRET: 'no' })
    expect(await none.call.envNames()).toEqual([])
  })

  it.runIf(process.getuid?.() === 0)('runs the process as the uid and gid it is given (this parent is root)', async () => {
    const nobody = await start({ net, uid: 65_534, gid: 65_534 })
    expect(await nobody.call.ids()).toEqual({ uid: 65_534, gid: 65_534 })
  })

  it('refuses what this Node cannot honour with a TypeError, and starts nothing', async () => {
    const networkDenied = outcome(fork(confined, worker, { ...quiet, permissions: { read: [code] } }))
    if (net) expect(await networkDenied).toEqual(new TypeError("fork(): permissions.net: the worker's Node cannot deny the network (its permission model has no --allow-net); say net: true to run it with the network allowed, or run it on Deno (execPath)"))
    else await (await (networkDenied as Promise<RpcWorker<typeof confined>>)).close()
    await expect(fork(confined, worker, { ...quiet, permissions: { read: [code], net, env: ['NODE_OPTIONS'] } })).rejects.toThrow(/permissions.env names NODE_OPTIONS/)
  })
})

describe('a process pool with permissions', () => {
  it("starts every worker with them: a denied access is a PermissionDeniedError, and the worker serves on", async () => {
    const pool: Pool<typeof confined> = createPool(confined, worker, { ...quiet, max: 2, permissions: { read: [code], net } })
    open.add(pool)
    const errors = await Promise.all([outcome(pool.call.read(outside)), outcome(pool.call.spawn())])
    expect(errors[0]).toBeInstanceOf(PermissionDeniedError)
    expect(errors[0]).toMatchObject({ permission: 'read', resource: outside })
    expect(errors[1]).toMatchObject({ name: 'PermissionDeniedError', permission: 'childProcess' })
    expect(pool.stats().restarts).toBe(0)
  })

  it('refuses permissions its workers cannot have when it is created', () => {
    expect(() => createPool(confined, worker, { runtime: 'thread', permissions: { net, uid: 0 } })).toThrow(/permissions.uid: a thread runs as its process's user/)
    expect(() => createPool(confined, worker, { permissions: { read: ['relative/path'] } })).toThrow(/takes absolute paths/)
  })
})

describe('a thread with permissions', () => {
  it("runs under its own permission model (Node's, in its execArgv): denials are PermissionDeniedErrors, and this process is untouched", async () => {
    const thread = await spawnThread(confined, worker, { permissions: { read: [code], net, env: ['KEPT'] }, env: { KEPT: '1', DROPPED: '2' } })
    open.add(thread)
    expect(await thread.call.read(worker)).toContain('serve(confined')
    expect(await outcome(thread.call.read(outside))).toMatchObject({ name: 'PermissionDeniedError', permission: 'read', resource: outside })
    expect(await outcome(thread.call.spawn())).toMatchObject({ name: 'PermissionDeniedError', permission: 'childProcess' })
    expect(await outcome(thread.call.thread())).toMatchObject({ name: 'PermissionDeniedError', permission: 'workerThreads' })
    expect(await thread.call.envNames()).toEqual(['KEPT'])
    expect(readFileSync(outside, 'utf8')).toBe('secret')
  })

  it('so do the threads of a thread pool', async () => {
    const pool = createPool(confined, worker, { runtime: 'thread', max: 2, permissions: { read: [code], net } })
    open.add(pool)
    const denied = await outcome(pool.call.read(outside))
    expect(denied).toBeInstanceOf(PermissionDeniedError)
    expect(denied).toMatchObject({ permission: 'read', resource: outside })
  })

  it('in a process under the permission model, gets no more than the process has (Node would allow it)', async () => {
    const model = process.allowedNodeEnvironmentFlags.has('--permission') ? '--permission' : '--experimental-permission'
    const stdout = await new Promise<string>((resolve, reject) => {
      const child = execFile(
        process.execPath,
        [model, `--allow-fs-read=${repo}`, '--allow-worker', fixture('confined-thread-parent.mjs'), repo, outside],
        { env: { ...process.env, KEPT: '1', DROPPED: '2' }, timeout: 30_000 },
        (error, out, err) => (error ? reject(new Error(`${error.message}\n${err}`)) : resolve(out)),
      )
      track(child)
    })
    const result = JSON.parse(stdout) as Record<string, unknown>
    expect(result.threadRead).toMatchObject({ class: 'PermissionDeniedError', code: 'ERR_FORKRPC_PERMISSION_DENIED', permission: 'read', resource: outside })
    expect(result.threadSpawn).toMatchObject({ class: 'PermissionDeniedError', permission: 'childProcess' })
    expect(result.threadEnv).toEqual(['KEPT'])
    expect(result.wider).toMatchObject({ class: 'TypeError', message: `spawnThread(): permissions would give the thread read access to ${outside}, which this process (under --permission) may not have itself` })
  })
})

describe('a worker denied a module it imports', () => {
  it('fails to start with a StartupError that says what to add to permissions.read', async () => {
    const error = await outcome(fork(confined, worker, { ...quiet, permissions: { net } }))
    expect(error).toBeInstanceOf(StartupError)
    expect((error as StartupError).message).toContain(
      `its permissions denied it read access to ${fixture('confined.contract.mjs')} while it loaded; add it (or its folder) to permissions.read`,
    )
  })
})
