import { describe, expect, it } from 'vitest'
import { defineContract, fork, procedure } from '@forkrpc/core'
import { lifecycle } from '../../fixtures/lifecycle.contract.js'
import { math, ParseError } from '../../fixtures/math.contract.js'
import { fixture, forkFixture, isAlive, tsx, waitForExit } from '../../helpers.js'

// The same procedures as fixtures/plain.contract.mjs, which the plain-JavaScript worker imports.
const plain = defineContract({
  add: procedure<{ a: number; b: number }, number>(),
  runtime: procedure<void, { execArgv: string[]; tsx: boolean }>(),
})

describe('fork()', () => {
  it('runs a .ts worker with the tsx loader and calls it through the typed client', async () => {
    const worker = await forkFixture(math, 'math.worker.ts')
    expect(await worker.call.add({ a: 1, b: 2 })).toBe(3)
    expect(await worker.call.fib({ n: 20 })).toBe(6765)
    expect(worker.pid).toBe(worker.process.pid)
  })

  it('runs a .js worker under plain node, without tsx', async () => {
    const worker = await fork(plain, fixture('plain.worker.mjs'), { execArgv: [], stdio: ['ignore', 'ignore', 'pipe', 'ipc'] })
    try {
      expect(await worker.call.add({ a: 2, b: 5 })).toBe(7)
      expect(await worker.call.runtime()).toEqual({ execArgv: [], tsx: false })
    } finally {
      await worker.close()
    }
  })

  it('accepts a file URL and passes env, cwd and args on to the child', async () => {
    const worker = await forkFixture(lifecycle, 'lifecycle.worker.ts', {
      env: { ...process.env, FORKRPC_TEST_VALUE: 'from the parent' },
      cwd: new URL('../../fixtures/', import.meta.url),
      args: ['--flag', 'value'],
    })
    const info = await worker.call.info('FORKRPC_TEST_VALUE')
    expect(info).toMatchObject({ pid: worker.pid, argv: ['--flag', 'value'], env: 'from the parent' })
    expect(info.cwd).toBe(fixture('').replace(/\/$/, ''))
  })

  it('keeps thousands of calls in flight on one worker', async () => {
    const worker = await forkFixture(math, 'math.worker.ts')
    const results = await Promise.all(Array.from({ length: 5_000 }, (_, i) => worker.call.add({ a: i, b: 1 })))
    expect(results).toEqual(Array.from({ length: 5_000 }, (_, i) => i + 1))
  })

  it('carries Date, Map, Set, BigInt, undefined and -0 exactly over the real json channel', async () => {
    const worker = await forkFixture(lifecycle, 'lifecycle.worker.ts')
    const value = { when: new Date(1_700_000_000_000), map: new Map([['k', new Set([1, 2])]]), big: 2n ** 70n, missing: undefined, zero: -0, nan: Number.NaN }
    const echoed = (await worker.call.echo(value)) as typeof value
    expect(echoed).toEqual(value)
    expect(Object.hasOwn(echoed, 'missing')).toBe(true)
    expect(Object.is(echoed.zero, -0)).toBe(true)
  })

  it("carries Buffers on the 'advanced' channel and still marshals errors", async () => {
    const worker = await forkFixture(math, 'math.worker.ts', { serialization: 'advanced' })
    const echoed = await worker.call.echo(Buffer.from('hello'))
    expect(Buffer.isBuffer(echoed) || echoed instanceof Uint8Array).toBe(true)
    expect(Buffer.from(echoed as Uint8Array).toString()).toBe('hello')
    const error = await worker.call.fail({ kind: 'parse' }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ParseError)
    expect((error as ParseError).line).toBe(3)
  })

  it('rejects an unencodable argument with SerializationError and the worker lives on', async () => {
    const worker = await forkFixture(math, 'math.worker.ts')
    await expect(worker.call.echo({ callback: () => 1 })).rejects.toMatchObject({ name: 'SerializationError', code: 'ERR_FORKRPC_SERIALIZATION' })
    expect(await worker.call.add({ a: 1, b: 1 })).toBe(2)
  })

  it('brings a registered error class back as itself, with its cause and a joined stack', async () => {
    const worker = await forkFixture(math, 'math.worker.ts')
    const error = (await worker.call.fail({ kind: 'parse' }).catch((e: unknown) => e)) as ParseError
    expect(error).toBeInstanceOf(ParseError)
    expect(error.message).toBe('bad token')
    expect(error.cause).toBeInstanceOf(TypeError)
    expect(error.stack).toContain('math.handlers.ts') // the fixture's handler, where it threw
    expect(error.stack).toContain('fork.test.ts')
  })

  it('leaves no process behind after close()', async () => {
    const worker = await fork(math, fixture('math.worker.ts'), { execArgv: tsx, stdio: ['ignore', 'ignore', 'pipe', 'ipc'] })
    const pid = worker.pid
    expect(isAlive(pid)).toBe(true)
    await worker.close()
    await waitForExit(pid, 1_000)
  })
})
