import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { ChannelClosedError, createPool, fork, handleSignals, shutdownAll, workers } from '@forkrpc/core'
import { family } from '../../fixtures/family.contract.js'
import { lifecycle } from '../../fixtures/lifecycle.contract.js'
import { poolContract } from '../../fixtures/pool.contract.js'
import { childPids, fixture, forkFixture, isAlive, track, tsx, waitForExit } from '../../helpers.js'

const dirs: string[] = []
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})
function readLog(path: string): string {
  try {
    return readFileSync(path, 'utf8')
  } catch {
    return ''
  }
}
function tempFile(name: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'forkrpc-supervision-'))
  dirs.push(dir)
  return join(dir, name)
}

describe('the registry', () => {
  it('workers() lists every live worker with its state and calls in flight, and forgets it once gone', async () => {
    const a = await forkFixture(lifecycle, 'lifecycle.worker.ts')
    const b = await forkFixture(lifecycle, 'lifecycle.worker.ts')
    const pending = a.call.hang().catch(() => undefined)
    const listed = workers().filter((info) => info.pid === a.pid || info.pid === b.pid)
    expect(listed).toEqual([
      { runtime: 'process', pid: a.pid, threadId: undefined, module: fixture('lifecycle.worker.ts'), state: 'ready', inFlight: 1 },
      { runtime: 'process', pid: b.pid, threadId: undefined, module: fixture('lifecycle.worker.ts'), state: 'ready', inFlight: 0 },
    ])
    const closing = b.close()
    expect(workers().find((info) => info.pid === b.pid)?.state).toBe('closing')
    await closing
    expect(workers().some((info) => info.pid === b.pid)).toBe(false)
    await a.close({ grace: 0, killTimeout: 500 })
    await pending
    expect(workers().some((info) => info.pid === a.pid)).toBe(false)
  })

  it('shutdownAll() stops every worker in stages, in parallel, and reports how each ended', async () => {
    const polite = await forkFixture(lifecycle, 'lifecycle.worker.ts')
    const busy = await forkFixture(lifecycle, 'lifecycle.worker.ts', { env: { ...process.env, IGNORE_SIGTERM: '1' } })
    const stuck = busy.call.spin(30_000).catch((error: unknown) => error) // a synchronous loop: only SIGKILL ends it
    await new Promise((resolve) => setTimeout(resolve, 50))
    const results = await shutdownAll({ grace: 100, killTimeout: 200 })
    expect(results).toEqual(
      expect.arrayContaining([
        { runtime: 'process', pid: polite.pid, module: fixture('lifecycle.worker.ts'), code: 0, signal: null, forced: false },
        { runtime: 'process', pid: busy.pid, module: fixture('lifecycle.worker.ts'), code: null, signal: 'SIGKILL', forced: true },
      ]),
    )
    expect(await stuck).toMatchObject({ name: 'WorkerExitedError', signal: 'SIGKILL' })
    expect(workers()).toEqual([])
    expect(childPids()).toEqual([])
  })

  it('shutdownAll() also stops a worker that is still starting; its fork() rejects with StartupError', async () => {
    const starting = fork(lifecycle, fixture('never-serves.worker.ts'), { execArgv: tsx, stdio: ['ignore', 'ignore', 'pipe', 'ipc'] })
    while (workers().length === 0) await new Promise((resolve) => setTimeout(resolve, 5))
    expect(workers()[0]?.state).toBe('starting')
    const results = await shutdownAll({ killTimeout: 500 })
    // It never served, so it cannot shut down politely: SIGTERM ends it (it has no handler for it).
    expect(results).toEqual([{ runtime: 'process', pid: expect.any(Number), module: fixture('never-serves.worker.ts'), code: null, signal: 'SIGTERM', forced: false }])
    await expect(starting).rejects.toMatchObject({ name: 'StartupError' })
    expect(childPids()).toEqual([])
  })
})

describe('shutdownAll() and pools', () => {
  it("runs a pool's queued calls within grace, as pool.close() does, before its workers stop", async () => {
    await using pool = createPool(poolContract, fixture('pool.worker.ts'), { max: 1, prefetch: 0, execArgv: tsx, stdio: ['ignore', 'ignore', 'pipe', 'ipc'] })
    const outcome = <T>(promise: Promise<T>): Promise<T | unknown> => promise.catch((error: unknown) => error)
    const pid = await pool.call.pid()
    const running = outcome(pool.call.sleep(300))
    const queued = [outcome(pool.call.pid()), outcome(pool.call.sleep(10)), outcome(pool.call.pid())]
    while (pool.stats().queued < 3) await new Promise((resolve) => setTimeout(resolve, 5))
    const results = await shutdownAll({ grace: 10_000, killTimeout: 1_000 })
    // Before, the registry stopped the pool's worker itself, in parallel with pool.close():
    // the queued calls failed at once with ChannelClosedError ("no worker is left").
    for (const result of await Promise.all(queued)) expect(result).not.toBeInstanceOf(ChannelClosedError)
    expect(await Promise.all(queued)).toEqual([pid, expect.objectContaining({ pid }), pid])
    expect(await running).toMatchObject({ pid })
    expect(results).toEqual([expect.objectContaining({ pid, code: 0, forced: false })])
    expect(workers()).toEqual([])
  })
})

describe('bad options', () => {
  it('shutdownAll() rejects invalid limits with a TypeError and stops nothing (it reported every worker as ended, all still running)', async () => {
    const worker = await forkFixture(lifecycle, 'lifecycle.worker.ts')
    for (const limits of [{ grace: -1 }, { killTimeout: Number.NaN }, { grace: '1' }, null]) {
      await expect(shutdownAll(limits as never)).rejects.toThrow(TypeError)
    }
    expect(workers().map((info) => [info.pid, info.state])).toEqual([[worker.pid, 'ready']])
    expect(await worker.call.echo(1)).toBe(1)
  })

  it('handleSignals() refuses a name that is not a signal, which would be listened to for ever and never come', () => {
    expect(() => handleSignals({ signals: ['SIGTREM' as NodeJS.Signals] })).toThrow(/not a signal: SIGTREM/)
    const remove = handleSignals({ signals: ['SIGUSR2'] })
    remove()
  })
})

/** Starts fixtures/signals-parent.ts; resolves with its workers' pids and a reader of its stdout lines. */
async function startSignalsParent(mode: 'default' | 'callback', log: string, stuck = false): Promise<{ parent: ChildProcess; pids: number[]; lines: () => unknown[] }> {
  const parent = spawn(process.execPath, [...tsx, fixture('signals-parent.ts'), mode, stuck ? 'stuck' : ''], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, SHUTDOWN_LOG: log },
  })
  track(parent)
  let output = ''
  parent.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()))
  const lines = (): unknown[] => output.split('\n').filter(Boolean).map((line) => JSON.parse(line) as unknown)
  const pids = await new Promise<number[]>((resolve, reject) => {
    const timer = setInterval(() => {
      const found = lines().find((line): line is { pids: number[] } => typeof line === 'object' && line !== null && 'pids' in line)
      if (found) {
        clearInterval(timer)
        resolve(found.pids)
      }
    }, 10)
    parent.once('exit', (code) => {
      clearInterval(timer)
      reject(new Error(`the parent exited (${code}) before reporting its workers`))
    })
  })
  for (const pid of pids) track(pid)
  return { parent, pids, lines }
}

describe('handleSignals()', () => {
  it('on SIGTERM, drains the calls in flight, shuts every worker down, then lets the signal end the process', async () => {
    const log = tempFile('hooks.log')
    const { parent, pids, lines } = await startSignalsParent('default', log)
    const exited = new Promise<[number | null, NodeJS.Signals | null]>((resolve) => parent.once('exit', (code, signal) => resolve([code, signal])))
    parent.kill('SIGTERM')
    expect(await exited).toEqual([null, 'SIGTERM']) // no onShutdown and no listener of the app's own: the default action
    expect(lines()).toContainEqual({ reply: 'slept 300' }) // the call in flight finished first
    for (const pid of pids) expect(isAlive(pid)).toBe(false)
    // Each worker ran its hooks (the fixture's two, in order) on the parent's request.
    expect(readFileSync(log, 'utf8').trim().split('\n').sort()).toEqual(['hook1 request', 'hook1 request', 'hook2 request', 'hook2 request'])
  })

  it('with onShutdown, hands the results to the app, which decides: here the process just ends by itself', async () => {
    const log = tempFile('hooks.log')
    const { parent, pids, lines } = await startSignalsParent('callback', log)
    const exited = new Promise<[number | null, NodeJS.Signals | null]>((resolve) => parent.once('exit', (code, signal) => resolve([code, signal])))
    parent.kill('SIGINT')
    expect(await exited).toEqual([0, null])
    const report = lines().find((line): line is { signal: string; results: unknown[] } => typeof line === 'object' && line !== null && 'results' in line)
    expect(report?.signal).toBe('SIGINT')
    expect(report?.results).toEqual(expect.arrayContaining(pids.map((pid) => ({ runtime: 'process', pid, module: fixture('lifecycle.worker.ts'), code: 0, signal: null, forced: false }))))
  })

  it('a second signal during the shutdown kills the workers at once', async () => {
    const log = tempFile('hooks.log')
    const { parent, pids } = await startSignalsParent('default', log, true)
    const exited = new Promise<[number | null, NodeJS.Signals | null]>((resolve) => parent.once('exit', (code, signal) => resolve([code, signal])))
    parent.kill('SIGTERM')
    // Wait until the staged stop is under way (the idle worker ran its hooks), so that the two
    // signals cannot merge into one on a loaded machine.
    while (!readLog(log).includes('hook2 request')) await new Promise((resolve) => setTimeout(resolve, 20))
    const secondAt = Date.now()
    parent.kill('SIGTERM')
    expect(await exited).toEqual([null, 'SIGTERM'])
    // Staged, the stuck worker would hold the parent for grace + killTimeout (7 s).
    expect(Date.now() - secondAt).toBeLessThan(4_000)
    for (const pid of pids) expect(isAlive(pid)).toBe(false)
  })
})

describe('process groups', () => {
  it('with processGroup, a grandchild does not outlive its worker: closed...', async () => {
    const worker = await forkFixture(family, 'family.worker.ts', { processGroup: true, killTimeout: 300 })
    const grandchild = await worker.call.spawnChild()
    track(grandchild)
    expect(isAlive(grandchild)).toBe(true)
    await worker.close()
    // It ignored SIGTERM, so it got SIGKILL after killTimeout, before close() resolved; a
    // moment more for a loaded machine's kernel to end it (a process booting may take a while
    // to act on SIGKILL). Without the option it lives on (the test after the next).
    await waitForExit(grandchild, 1_000)
  })

  it('...or crashed', async () => {
    const worker = await forkFixture(family, 'family.worker.ts', { processGroup: true, killTimeout: 300, allowExit: true })
    const grandchild = await worker.call.spawnChild()
    track(grandchild)
    worker.process.kill('SIGKILL')
    await waitForExit(grandchild, 3_000)
  })

  it('without it, the grandchild outlives the worker (why the option exists)', async () => {
    const worker = await forkFixture(family, 'family.worker.ts')
    const grandchild = await worker.call.spawnChild()
    track(grandchild) // killed after the test
    await worker.close()
    await new Promise((resolve) => setTimeout(resolve, 200))
    expect(isAlive(grandchild)).toBe(true)
  })
})
