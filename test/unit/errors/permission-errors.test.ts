/**
 * PermissionDeniedError: what Node's permission model and Deno throw for a denied access
 * becomes one class, with the permission (as the key of `permissions` that would allow it)
 * and the resource, and reaches the caller as itself over both codecs, also as a cause.
 * WorkerOutOfMemoryError: how a worker that ran out of memory is told from other exits.
 */
import { PassThrough } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { defineContract, PermissionDeniedError, procedure } from '@forkrpc/core'
// The functions under test build the classes of the source files they sit beside.
import { asPermissionDenied, PermissionDeniedError as SourcePermissionDeniedError } from '../../../packages/core/src/errors/permission-errors.js'
import { WorkerExitedError, workerExited, WorkerOutOfMemoryError } from '../../../packages/core/src/errors/worker-errors.js'
import { OutOfMemoryWatch } from '../../../packages/core/src/worker/out-of-memory.js'
import { pairFor } from '../support.js'

/** What Node 20-24 throws: an Error with code, permission and resource. */
function nodeDenial(permission: string, resource: string): Error {
  return Object.assign(new Error('Access to this API has been restricted'), { code: 'ERR_ACCESS_DENIED', permission, resource })
}

/** What Deno 2 throws. */
class NotCapable extends Error {
  override name = 'NotCapable'
}

describe('asPermissionDenied()', () => {
  it.each([
    [nodeDenial('FileSystemRead', '/etc/passwd'), 'read', '/etc/passwd'],
    [nodeDenial('FileSystemWrite', '/etc/hosts'), 'write', '/etc/hosts'],
    [nodeDenial('ChildProcess', ''), 'childProcess', undefined],
    [nodeDenial('WorkerThreads', ''), 'workerThreads', undefined],
    [nodeDenial('Inspector', ''), 'inspector', undefined],
    // Node 25's network denial comes without `permission`: its message names the flag.
    [Object.assign(new Error('connect ERR_ACCESS_DENIED Access to this API has been restricted. Use --allow-net to manage permissions.'), { code: 'ERR_ACCESS_DENIED' }), 'net', undefined],
    [new NotCapable('Requires read access to "/etc/passwd", run again with the --allow-read flag'), 'read', '/etc/passwd'],
    [new NotCapable('Requires env access to "SECRET", run again with the --allow-env flag'), 'env', 'SECRET'],
    [new NotCapable('Requires run access to "ls", run again with the --allow-run flag'), 'childProcess', 'ls'],
    [new NotCapable('Requires env access, run again with the --allow-env flag'), 'env', undefined],
  ])('%s is a PermissionDeniedError of %s', (error, permission, resource) => {
    const denied = asPermissionDenied(error) as SourcePermissionDeniedError
    expect(denied).toBeInstanceOf(SourcePermissionDeniedError)
    expect(denied).toMatchObject({ code: 'ERR_FORKRPC_PERMISSION_DENIED', permission, resource })
    expect(denied.message).toBe(`${permission} access${resource === undefined ? '' : ` to ${resource}`} was denied by the permissions: ${error.message}`)
  })

  it('leaves every other value alone', () => {
    for (const value of [new Error('no'), Object.assign(new Error('x'), { code: 'EACCES' }), new TypeError('Requires read access'), 'ERR_ACCESS_DENIED', null]) expect(asPermissionDenied(value)).toBeUndefined()
  })
})

describe('a denied access thrown by a handler', () => {
  const contract = defineContract({ load: procedure<string, string>() })

  it.each(['json', 'advanced'] as const)('reaches the caller as PermissionDeniedError, also as a cause, with the handler frames (%s)', async (serialization) => {
    const pair = pairFor(
      contract,
      {
        load(path) {
          if (path === 'wrapped') throw new Error('could not load the plugin', { cause: nodeDenial('FileSystemRead', '/etc/shadow') })
          throw nodeDenial('FileSystemRead', path)
        },
      },
      { serialization },
    )
    const error = (await pair.call.load('/etc/passwd').catch((e: unknown) => e)) as PermissionDeniedError
    expect(error).toBeInstanceOf(PermissionDeniedError)
    expect(error).toMatchObject({ permission: 'read', resource: '/etc/passwd', code: 'ERR_FORKRPC_PERMISSION_DENIED', procedure: undefined })
    expect(error.stack).toMatch(/^PermissionDeniedError: read access to \/etc\/passwd was denied by the permissions/)
    expect(error.stack).toContain('at load (')
    const wrapped = (await pair.call.load('wrapped').catch((e: unknown) => e)) as Error
    expect(wrapped.cause).toBeInstanceOf(PermissionDeniedError)
    expect(wrapped.cause).toMatchObject({ permission: 'read', resource: '/etc/shadow' })
  })
})

describe('running out of memory', () => {
  it('is WorkerOutOfMemoryError, a WorkerExitedError with its own code', () => {
    const error = workerExited({ exitCode: null, signal: 'SIGABRT', pid: 7, outOfMemory: true }, 'parse')
    expect(error).toBeInstanceOf(WorkerOutOfMemoryError)
    expect(error).toBeInstanceOf(WorkerExitedError)
    expect(error).toMatchObject({ code: 'ERR_FORKRPC_WORKER_OUT_OF_MEMORY', signal: 'SIGABRT', pid: 7, procedure: 'parse' })
    expect(error.message).toMatch(/^Worker 7 ran out of memory .* before call "parse" returned$/)
    expect(workerExited({ exitCode: null, signal: 'SIGABRT', pid: 7 })).not.toBeInstanceOf(WorkerOutOfMemoryError)
  })

  it("is seen in a process's stderr, also where a chunk boundary cuts the line in two", () => {
    const stderr = new PassThrough()
    const watch = new OutOfMemoryWatch(stderr)
    stderr.write('FATAL ERROR: Reached heap limit Allocation failed - JavaScript he')
    expect(watch.seen).toBe(false)
    stderr.write('ap out of memory\n 1: 0xb8d0a3 node::Abort() [node]\n')
    expect(watch.seen).toBe(true)
    const deno = new PassThrough()
    const denoWatch = new OutOfMemoryWatch(deno)
    deno.write('#\n# Fatal JavaScript out of memory: Ineffective mark-compacts near heap limit\n#\n')
    expect(denoWatch.seen).toBe(true)
  })
})
