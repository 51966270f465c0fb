/**
 * `permissions` and `heapLimitMb` turned into each runtime's options, without starting a
 * worker: Node's flags by what its Node accepts (Node 20's, Node 26's), Deno's flags, the
 * environment a confined worker gets, what a thread can be given, and every TypeError for
 * what cannot be honoured.
 */
import { realpathSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { fork, spawnThread, type WorkerPermissions } from '@forkrpc/core'
import { confineProcess } from '../../../packages/core/src/worker/privilege/confine-process.js'
import { denoPermissionFlags } from '../../../packages/core/src/worker/privilege/deno-flags.js'
import { forkrpcFiles } from '../../../packages/core/src/worker/privilege/forkrpc-files.js'
import { nodeHeapFlags, threadLimits } from '../../../packages/core/src/worker/privilege/heap-limit.js'
import { nodePermissionFlags } from '../../../packages/core/src/worker/privilege/node-flags.js'
import { confineThread } from '../../../packages/core/src/worker/privilege/thread-permissions.js'
import { checkEnvNames, workerEnv } from '../../../packages/core/src/worker/privilege/worker-env.js'
import { confined } from '../../fixtures/confined.contract.mjs'
import { fixture } from '../../helpers.js'

const node20 = new Set(['--experimental-permission', '--allow-fs-read', '--allow-fs-write', '--allow-child-process', '--allow-worker', '--allow-addons', '--allow-wasi'])
const node24 = new Set([...node20, '--permission', '--allow-inspector'])
const node26 = new Set([...node24, '--allow-net'])
const module = '/app/plugin.worker.js'

describe("permissions as Node's flags", () => {
  it('turns on the model with the flag this Node has, and reads the module and nothing else by default', () => {
    expect(nodePermissionFlags({ net: true }, [module], node20, false, 'fork()')).toEqual(['--experimental-permission', `--allow-fs-read=${module}`])
    expect(nodePermissionFlags({}, [module], node26, false, 'fork()')).toEqual(['--permission', `--allow-fs-read=${module}`])
  })

  it('grants each path, all files with true, and each capability set to true', () => {
    const permissions = { read: ['/data', '/data'], write: true, childProcess: true, workerThreads: true, addons: true, wasi: true, net: true }
    expect(nodePermissionFlags(permissions, [module], node26, false, 'fork()')).toEqual([
      '--permission',
      `--allow-fs-read=${module}`,
      '--allow-fs-read=/data',
      '--allow-fs-write=*',
      '--allow-net',
      '--allow-child-process',
      '--allow-worker',
      '--allow-addons',
      '--allow-wasi',
    ])
    expect(nodePermissionFlags({ read: true, net: true }, [module], node20, false, 'fork()')).toEqual(['--experimental-permission', '--allow-fs-read=*'])
  })

  it('refuses to deny the network where Node cannot (no --allow-net), and says what to do', () => {
    expect(() => nodePermissionFlags({ read: ['/data'] }, [module], node24, false, 'fork()')).toThrow(
      new TypeError("fork(): permissions.net: the worker's Node cannot deny the network (its permission model has no --allow-net); say net: true to run it with the network allowed, or run it on Deno (execPath)"),
    )
    expect(nodePermissionFlags({ net: true }, [module], node24, false, 'fork()')).not.toContain('--allow-net')
  })

  it('allows the inspector only where Node can (--allow-inspector), and needs a permission model at all', () => {
    expect(nodePermissionFlags({ net: true }, [module], node24, true, 'fork()')).toContain('--allow-inspector')
    expect(() => nodePermissionFlags({ net: true }, [module], node20, true, 'fork()')).toThrow(/inspect: the worker's Node denies the inspector/)
    expect(() => nodePermissionFlags({ net: true }, [module], new Set(['--max-old-space-size']), false, 'fork()')).toThrow(/has no permission model/)
  })
})

describe("permissions as Deno's flags", () => {
  const deno = { workerThreads: true, wasi: true } satisfies WorkerPermissions

  it('grants reads (the module and forkrpc always), writes, the network, child processes, ffi and env names', () => {
    expect(denoPermissionFlags({ ...deno, read: ['/data'], write: ['/out'], net: true, childProcess: true, addons: true }, [module], ['LANG'], 'fork()')).toEqual([
      '--no-prompt',
      `--allow-read=${module},/data`,
      '--allow-write=/out',
      '--allow-net',
      '--allow-run',
      '--allow-ffi',
      '--allow-env=LANG',
    ])
    expect(denoPermissionFlags({ ...deno, read: true, env: true }, [module], [], 'fork()')).toEqual(['--no-prompt', '--allow-read', '--allow-env'])
    expect(denoPermissionFlags(deno, [module], [], 'fork()')).toEqual(['--no-prompt', `--allow-read=${module}`])
  })

  it('refuses what Deno cannot deny (worker threads, WASI) and a path its comma-separated list cannot hold', () => {
    expect(() => denoPermissionFlags({ wasi: true }, [module], [], 'fork()')).toThrow(/permissions.workerThreads: Deno cannot deny worker threads/)
    expect(() => denoPermissionFlags({ workerThreads: true }, [module], [], 'fork()')).toThrow(/permissions.wasi: Deno cannot deny WASI/)
    expect(() => denoPermissionFlags({ ...deno, read: ['/a,b'] }, [module], [], 'fork()')).toThrow(/cannot name "\/a,b"/)
  })
})

describe("a confined worker's environment", () => {
  const base = { LANG: 'C', SECRET: 's3cret', NODE_OPTIONS: '--allow-fs-read=*', FORKRPC_DEBUG: '1' }

  it('holds only the names given (and FORKRPC_DEBUG), all with true, none by default; never NODE_OPTIONS for Node', () => {
    expect(workerEnv(base, ['LANG', 'MISSING'], 'node')).toEqual({ LANG: 'C', FORKRPC_DEBUG: '1' })
    expect(workerEnv(base, undefined, 'node')).toEqual({ FORKRPC_DEBUG: '1' })
    expect(workerEnv(base, true, 'node')).toEqual({ LANG: 'C', SECRET: 's3cret', FORKRPC_DEBUG: '1' })
    expect(workerEnv(base, true, 'deno')).toEqual(base)
  })

  it('refuses to name NODE_OPTIONS for a Node worker, which could widen its permissions', () => {
    expect(() => checkEnvNames(['NODE_OPTIONS'], 'node', 'fork()')).toThrow(/NODE_OPTIONS, which can carry --allow-\* flags/)
    expect(() => checkEnvNames(['NODE_OPTIONS'], 'deno', 'fork()')).not.toThrow()
  })
})

describe('confineProcess()', () => {
  const options = { permissions: { net: true, env: ['LANG'] }, env: { LANG: 'C', SECRET: 'x' } }

  it("replaces this process's inherited permission and heap options, and adds the worker's", () => {
    const inherited = ['--enable-source-maps', '--experimental-permission', '--allow-fs-read', '/everything', '--allow-child-process', '--max-old-space-size=4096']
    const { execArgv, env } = confineProcess({ options: { ...options, heapLimitMb: 64 }, module: fixture('confined.worker.mjs'), execArgv: inherited, inspect: false }, 'fork()')
    expect(execArgv?.slice(0, 2)).toEqual(['--enable-source-maps', process.allowedNodeEnvironmentFlags.has('--permission') ? '--permission' : '--experimental-permission'])
    expect(execArgv).not.toContain('/everything')
    expect(execArgv).not.toContain('--allow-child-process')
    expect(execArgv?.at(-1)).toBe('--max-old-space-size=64')
    expect(env).toEqual({ LANG: 'C' })
  })

  it('refuses given execArgv that the permissions or the heap limit would contradict', () => {
    const module = fixture('confined.worker.mjs')
    expect(() => confineProcess({ options: { ...options, execArgv: ['--allow-worker'] }, module, execArgv: ['--allow-worker'], inspect: false }, 'fork()')).toThrow(
      'fork(): execArgv has --allow-worker, which permissions would contradict; say it in permissions instead',
    )
    const heap = ['--max-old-space-size=512']
    expect(() => confineProcess({ options: { heapLimitMb: 64, execArgv: heap }, module, execArgv: heap, inspect: false }, 'fork()')).toThrow(/heapLimitMb and a --max-old-space-size in execArgv/)
  })

  it('changes nothing without permissions and heapLimitMb', () => {
    expect(confineProcess({ options: { env: { A: '1' } }, module, execArgv: undefined, inspect: false }, 'fork()')).toEqual({ execArgv: undefined, env: { A: '1' } })
  })

  it('sets the user and group ids of the process', () => {
    expect(confineProcess({ options: { permissions: { net: true, uid: 65_534, gid: 65_534 } }, module: fixture('confined.worker.mjs'), execArgv: [], inspect: false }, 'fork()')).toMatchObject({ uid: 65_534, gid: 65_534 })
  })
})

describe("forkrpc's own files", () => {
  it('are @forkrpc/core as the worker module reaches it and as it is, and its dependencies', () => {
    const files = forkrpcFiles(fixture('confined.worker.mjs'))
    const reached = fixture('../../node_modules/@forkrpc/core')
    expect(files).toContain(reached)
    expect(files).toContain(realpathSync(reached))
    expect(files.some((path) => path.endsWith('/superjson'))).toBe(true)
    expect(files.some((path) => path.endsWith('/p-timeout'))).toBe(true)
  })
})

describe('the heap limit', () => {
  it("is a thread's resourceLimits and a process's --max-old-space-size, never set twice", () => {
    expect(threadLimits(64, { stackSizeMb: 4 }, 'spawnThread()')).toEqual({ stackSizeMb: 4, maxOldGenerationSizeMb: 64 })
    expect(() => threadLimits(64, { maxOldGenerationSizeMb: 32 }, 'spawnThread()')).toThrow(/heapLimitMb and resourceLimits.maxOldGenerationSizeMb/)
    expect(nodeHeapFlags(64, ['--enable-source-maps'], 'fork()')).toEqual(['--max-old-space-size=64'])
  })
})

describe("a thread's permissions", () => {
  const path = fixture('confined.worker.mjs')
  const net = !process.allowedNodeEnvironmentFlags.has('--allow-net')

  it("are the same flags in the thread's own execArgv (only those given, not this process's), its env and resourceLimits", () => {
    const { execArgv, env, resourceLimits } = confineThread({ options: { permissions: { net, env: ['LANG'] }, env: { LANG: 'C', SECRET: 'x' }, execArgv: ['--no-deprecation'], heapLimitMb: 32 }, module: path, inspect: false }, 'spawnThread()')
    expect(execArgv).toEqual(['--no-deprecation', ...nodePermissionFlags({ net }, [path, ...forkrpcFiles(path)], process.allowedNodeEnvironmentFlags, false, 'spawnThread()')])
    expect(env).toEqual({ LANG: 'C' })
    expect(resourceLimits).toEqual({ maxOldGenerationSizeMb: 32 })
    expect(confineThread({ options: { env: { A: '1' } }, module: path, inspect: false }, 'spawnThread()')).toEqual({ env: { A: '1' }, execArgv: undefined, resourceLimits: undefined })
  })

  it('cannot set the user, nor be contradicted by execArgv', () => {
    expect(() => confineThread({ options: { permissions: { net, uid: 0 } }, module: path, inspect: false }, 'spawnThread()')).toThrow(/permissions.uid: a thread runs as its process's user/)
    expect(() => confineThread({ options: { permissions: { net }, execArgv: ['--allow-fs-read=*'] }, module: path, inspect: false }, 'spawnThread()')).toThrow(/execArgv has --allow-fs-read=\*, which permissions would contradict/)
  })
})

describe('the checks of the options, from fork() and spawnThread() (no worker starts)', () => {
  const path = fixture('confined.worker.mjs')
  it.each([
    [{ permissions: { read: ['./data'] } }, "fork(): permissions.read takes absolute paths or file: URLs, got \"./data\""],
    [{ permissions: { write: 'yes' } }, 'fork(): permissions.write must be an array of paths or a boolean, got string'],
    [{ permissions: { network: true } }, 'fork(): permissions.network is not a permission; known: read, write, env, uid, gid, net, childProcess, workerThreads, addons, wasi'],
    [{ permissions: { net: 'yes' } }, 'fork(): permissions.net must be a boolean, got string'],
    [{ permissions: { env: ['A=1'] } }, 'fork(): permissions.env must be a boolean or an array of variable names, got ["A=1"]'],
    [{ permissions: { uid: -1 } }, 'fork(): permissions.uid must be a non-negative integer, got -1'],
    [{ permissions: [] }, 'fork(): permissions must be an object, got an array'],
    [{ heapLimitMb: 0.5 }, 'fork(): heapLimitMb must be a whole number of megabytes (at least 1), got 0.5'],
  ])('%j is a TypeError', async (options, message) => {
    await expect(fork(confined, path, options as never)).rejects.toThrow(new TypeError(message))
  })

  it('spawnThread() checks them the same way', async () => {
    await expect(spawnThread(confined, path, { heapLimitMb: -1 })).rejects.toThrow(new TypeError('spawnThread(): heapLimitMb must be a whole number of megabytes (at least 1), got -1'))
  })
})
