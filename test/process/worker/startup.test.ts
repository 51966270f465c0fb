import { describe, expect, it } from 'vitest'
import { ContractMismatchError, createPool, fork, spawnThread, StartupError, type ForkOptions } from '@forkrpc/core'
import { lifecycle } from '../../fixtures/lifecycle.contract.js'
import { childPids, fixture, isAlive, tsx } from '../../helpers.js'

const quiet = { execArgv: tsx, stdio: ['ignore', 'ignore', 'pipe', 'ipc'] as ['ignore', 'ignore', 'pipe', 'ipc'] }

/** Runs fork() and returns its rejection, failing the test if it resolves. */
async function startupFailure(module: string, options: ForkOptions = {}): Promise<Error> {
  return fork(lifecycle, module, { ...quiet, ...options }).then(
    async (worker) => {
      await worker.close({ grace: 0, killTimeout: 100 })
      throw new Error('fork() resolved but should have failed')
    },
    (error: unknown) => error as Error,
  )
}

describe('fork() startup failures', () => {
  it('rejects a missing module with StartupError before spawning anything', async () => {
    const error = await startupFailure(fixture('does-not-exist.worker.ts'))
    expect(error).toBeInstanceOf(StartupError)
    expect(error.message).toContain('does not exist')
    expect((error as StartupError).module).toBe(fixture('does-not-exist.worker.ts'))
  })

  it('rejects a module that throws while loading, with its exit code and stderr tail', async () => {
    const before = childPids()
    const error = (await startupFailure(fixture('throws-on-load.worker.ts'))) as StartupError
    expect(error).toBeInstanceOf(StartupError)
    expect(error.code).toBe('ERR_FORKRPC_STARTUP')
    expect(error.exitCode).toBe(1)
    expect(error.stderr).toContain('loading the worker...')
    expect(error.stderr).toContain('boom while loading the worker')
    expect(error.message).toContain('boom while loading the worker')
    expect(childPids()).toEqual(before)
  })

  it('rejects a module that never calls serve() within startupTimeout, and kills it', async () => {
    const before = childPids()
    const error = (await startupFailure(fixture('never-serves.worker.ts'), { startupTimeout: 1_500 })) as StartupError
    expect(error).toBeInstanceOf(StartupError)
    expect(error.message).toContain('did not call serve() within 1500 ms')
    expect(error.signal).toBe('SIGKILL')
    expect(childPids()).toEqual(before)
  })

  it('rejects a module that exits without calling serve()', async () => {
    const error = (await startupFailure(fixture('exits-without-serving.worker.ts'))) as StartupError
    expect(error).toBeInstanceOf(StartupError)
    expect(error.exitCode).toBe(0)
    expect(error.message).toContain('without calling serve(')
  })

  it('explains how to run a .ts worker when no TypeScript loader is registered', async () => {
    const error = (await startupFailure(fixture('lifecycle.worker.ts'), { execArgv: [] })) as StartupError
    expect(error).toBeInstanceOf(StartupError)
    // Node 20 refuses .ts files; newer Node versions strip types but then fail on the
    // extensionless import specifiers, so only the exit is certain everywhere.
    expect(error.exitCode).not.toBe(0)
    if (error.stderr?.includes('ERR_UNKNOWN_FILE_EXTENSION')) expect(error.message).toContain("execArgv: ['--import', 'tsx']")
  })

  it('rejects a worker that serves another contract with ContractMismatchError and stops it', async () => {
    const before = childPids()
    const error = (await startupFailure(fixture('mismatch.worker.ts'))) as ContractMismatchError
    expect(error).toBeInstanceOf(ContractMismatchError)
    expect(error.missing).toEqual(expect.arrayContaining(['awaitAbort', 'hang', 'info']))
    expect(error.missing).not.toContain('sleep')
    expect(error.unexpected).toEqual(['add'])
    expect(childPids()).toEqual(before)
  })

  it('rejects a worker that speaks another protocol version with ContractMismatchError and stops it', async () => {
    const before = childPids()
    const error = (await startupFailure(fixture('future-protocol.worker.ts'))) as ContractMismatchError
    expect(error).toBeInstanceOf(ContractMismatchError)
    expect(error.message).toContain('speaks forkrpc protocol 99')
    expect(childPids()).toEqual(before)
  })

  it('rejects an execPath that does not exist with StartupError', async () => {
    const error = (await startupFailure(fixture('lifecycle.worker.ts'), { execPath: '/nonexistent/node' })) as StartupError
    expect(error).toBeInstanceOf(StartupError)
    expect(error.message).toContain('could not be started')
    expect(isAlive(process.pid)).toBe(true)
  })

  it('rejects bad options with a TypeError', async () => {
    await expect(fork(lifecycle, fixture('lifecycle.worker.ts'), { timeout: -1 })).rejects.toThrow(TypeError)
    // The message names the function and the option.
    await expect(fork(lifecycle, fixture('lifecycle.worker.ts'), { unresponsiveAfter: -1 })).rejects.toThrow('fork(): unresponsiveAfter must be a non-negative number of milliseconds (or Infinity), got -1')
    await expect(fork(lifecycle, fixture('lifecycle.worker.ts'), { maxMessageBytes: -1 })).rejects.toThrow('fork(): maxMessageBytes must be a positive number (or Infinity), got -1')
    await expect(fork(lifecycle, fixture('lifecycle.worker.ts'), { serialization: 'xml' as 'json' })).rejects.toThrow(TypeError)
  })

  it('rejects a module that is neither a file path nor a file: URL with a TypeError saying so, from fork(), spawnThread() and createPool()', async () => {
    const bad = [42, '', new URL('https://example.com/worker.js'), null]
    const said = /module must be a file path or a file: URL, got (number|an empty string|a https: URL|null)/
    for (const module of bad) {
      await expect(fork(lifecycle, module as string)).rejects.toThrow(said)
      await expect(spawnThread(lifecycle, module as string)).rejects.toThrow(said)
      expect(() => createPool(lifecycle, module as string)).toThrow(said)
    }
  })
})
