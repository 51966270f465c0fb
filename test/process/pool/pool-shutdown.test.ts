/**
 * A pool and the app's shutdown: a worker SIGTERMed alone while the app runs is stopped in
 * stages and replaced (`sigterm`, not `crash`); and no worker is started once the pool is
 * closing or `shutdownAll()` runs, not even for calls queued behind a worker that dies then.
 */
import { describe, expect, it } from 'vitest'
import { ChannelClosedError, fork, shutdownAll, StartupError, type PoolEvents } from '@forkrpc/core'
import { lifecycle } from '../../fixtures/lifecycle.contract.js'
import { idleWorkers, outcome, record, startPool, startThreadPool, until } from '../../fixtures/pool-harness.js'
import { fixture, tsx } from '../../helpers.js'

describe('a pool: a worker SIGTERMed alone while the app runs', () => {
  it('finishes the calls it has, exits 0 with the reason `sigterm` (not a crash), and is replaced', async () => {
    const pool = startPool({ min: 2, max: 2, prefetch: 1 })
    const events = record(pool, 'spawn', 'exit')
    await idleWorkers(pool, 2)
    const calls = Array.from({ length: 8 }, () => pool.call.wait(150)) // the signal's AbortError would fail them at once
    await until(() => pool.stats().busy === 2, 'both workers busy')
    const [signalled] = events.filter(([kind]) => kind === 'spawn').map(([, event]) => event.pid)
    process.kill(signalled as number, 'SIGTERM')
    for (const ran of await Promise.all(calls)) expect(ran.pid).toEqual(expect.any(Number))
    await until(() => events.some(([kind]) => kind === 'exit'), 'its exit')
    expect(events.find(([kind]) => kind === 'exit')?.[1]).toMatchObject({ pid: signalled, reason: 'sigterm', code: 0, signal: null })
    await idleWorkers(pool, 2) // min: 2, so it was replaced
    expect(events.filter(([kind]) => kind === 'spawn')).toHaveLength(3)
    expect(events.filter(([kind]) => kind === 'exit').map(([, event]) => (event as PoolEvents['exit']).reason)).toEqual(['sigterm'])
  })
})

describe('a pool: no worker is started once it is closing', () => {
  it('a worker that dies during the grace is not replaced: the calls queued behind it fail at once (processes)', async () => {
    const pool = startPool({ max: 1 })
    const events = record(pool, 'spawn')
    const pid = await pool.call.pid()
    const running = outcome(pool.call.sleep(5_000))
    const queued = [outcome(pool.call.pid()), outcome(pool.call.pid())]
    await until(() => pool.stats().busy === 1, 'the worker busy')
    const closing = pool.close({ grace: 10_000, killTimeout: 1_000 })
    process.kill(pid, 'SIGKILL')
    for (const error of await Promise.all(queued)) {
      expect(error).toBeInstanceOf(ChannelClosedError)
      expect((error as Error).message).toBe('The pool is closing: no worker is left to run call "pid"')
    }
    expect(await running).toMatchObject({ name: 'WorkerExitedError' })
    await closing
    expect(events).toHaveLength(1) // the first worker only
  })

  it('the same on threads', async () => {
    const pool = startThreadPool({ max: 1 })
    const events = record(pool, 'spawn')
    await pool.call.pid()
    const crashed = outcome(pool.call.crash('exit'))
    const queued = [outcome(pool.call.pid()), outcome(pool.call.pid())]
    const closing = pool.close({ grace: 10_000, killTimeout: 1_000 }) // before the crash lands
    expect(await crashed).toMatchObject({ name: 'WorkerExitedError' })
    for (const error of await Promise.all(queued)) expect(error).toBeInstanceOf(ChannelClosedError)
    await closing
    expect(events).toHaveLength(1)
  })
})

describe('no worker is started while shutdownAll() runs', () => {
  it('a pool does not replace a worker that dies meanwhile, and fork() rejects with StartupError', async () => {
    const pool = startPool({ min: 1, max: 1 })
    const events = record(pool, 'spawn')
    const pid = await pool.call.pid()
    const running = outcome(pool.call.sleep(5_000))
    const queued = outcome(pool.call.pid())
    await until(() => pool.stats().busy === 1, 'the worker busy')
    const stopping = shutdownAll({ grace: 10_000, killTimeout: 1_000 })
    const forked = outcome(fork(lifecycle, fixture('lifecycle.worker.ts'), { execArgv: tsx, stdio: ['ignore', 'ignore', 'pipe', 'ipc'] }))
    process.kill(pid, 'SIGKILL')
    expect(await queued).toBeInstanceOf(ChannelClosedError)
    expect(await running).toMatchObject({ name: 'WorkerExitedError' })
    expect(await forked).toBeInstanceOf(StartupError)
    expect((await forked as Error).message).toContain('no worker is started while shutdownAll() runs')
    await stopping
    expect(events).toHaveLength(1)
  })
})
