import { spawn } from 'node:child_process'
import { describe, expect, it } from 'vitest'
import { connect, fork, StartupError } from '@forkrpc/core'
import { lifecycle } from '../../fixtures/lifecycle.contract.js'
import { fixture, track, tsx } from '../../helpers.js'

describe('connect()', () => {
  it('wraps a child spawned with an ipc stdio entry, after the same handshake', async () => {
    const child = spawn(process.execPath, [...tsx, fixture('lifecycle.worker.ts')], { stdio: ['pipe', 'pipe', 'pipe', 'ipc'] })
    track(child)
    // Connecting late is fine: the parent asks the child to repeat its ready message.
    await new Promise((resolve) => setTimeout(resolve, 300))
    const worker = await connect(lifecycle, child)
    try {
      expect(await worker.call.sleep(5)).toBe('slept 5')
      expect(worker.pid).toBe(child.pid)
    } finally {
      expect(await worker.close()).toEqual({ code: 0, signal: null, forced: false })
    }
  })

  it("works on the 'advanced' channel when told so", async () => {
    const child = spawn(process.execPath, [...tsx, fixture('lifecycle.worker.ts')], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'], serialization: 'advanced' })
    track(child)
    const worker = await connect(lifecycle, child, { serialization: 'advanced' })
    try {
      const bytes = (await worker.call.echo(new Uint8Array([1, 2, 3]))) as Uint8Array
      expect([...bytes]).toEqual([1, 2, 3])
    } finally {
      await worker.close()
    }
  })

  it('rejects a child without an IPC channel with a TypeError', async () => {
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 5000)'], { stdio: 'ignore' })
    track(child)
    await expect(connect(lifecycle, child)).rejects.toThrow(/no IPC channel/)
  })

  it('refuses a child forkrpc already speaks over (connected, or forked) with a TypeError, and the first worker serves on', async () => {
    // Each client numbers its calls from 1: two on one channel would take each other's replies.
    const child = spawn(process.execPath, [...tsx, fixture('lifecycle.worker.ts')], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'] })
    track(child)
    const worker = await connect(lifecycle, child)
    const forked = await fork(lifecycle, fixture('lifecycle.worker.ts'), { execArgv: tsx })
    track(forked.pid)
    try {
      for (const taken of [child, forked.process]) {
        await expect(connect(lifecycle, taken)).rejects.toThrow(new TypeError('connect(contract, child): forkrpc already speaks over this child\'s IPC channel (fork() started it, or connect() took it); one channel carries one worker'))
      }
      expect(await Promise.all([worker.call.echo('first'), forked.call.echo('forked')])).toEqual(['first', 'forked'])
    } finally {
      await Promise.all([worker.close(), forked.close()])
    }
  })

  it('rejects with StartupError, quoting stderr, when the spawned module fails to load', async () => {
    const child = spawn(process.execPath, [...tsx, fixture('throws-on-load.worker.ts')], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'] })
    track(child)
    const error = (await connect(lifecycle, child).catch((e: unknown) => e)) as StartupError
    expect(error).toBeInstanceOf(StartupError)
    expect(error.exitCode).toBe(1)
    expect(error.stderr).toContain('boom while loading the worker')
  })
})
