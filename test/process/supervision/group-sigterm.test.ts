/**
 * A SIGTERM to the whole process group (systemd's `KillMode=control-group`, `kill -TERM
 * -PGID`) reaches the parent and its workers at once. Each test starts fixtures/group-parent.ts
 * (a node:http server offloading to a pool of 2) as the leader of a process group of its own,
 * loads it, signals the group, and checks the parent-led order: no call in flight fails, no
 * worker crashes or starts, the server closes before the workers stop, everything exits 0.
 * afterEach SIGKILLs the whole group, so a failing test leaves no process behind.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { request } from 'node:http'
import { afterEach, describe, expect, it } from 'vitest'
import { fixture, isAlive, tsx, waitForExit } from '../../helpers.js'

const groups = new Set<number>()
afterEach(async () => {
  for (const pgid of groups) {
    try {
      process.kill(-pgid, 'SIGKILL')
    } catch {}
  }
  groups.clear()
})

type Line = Record<string, unknown>

interface Parent {
  readonly child: ChildProcess
  readonly pids: number[]
  readonly port: number
  readonly lines: () => Line[]
  readonly exited: Promise<[number | null, NodeJS.Signals | null]>
}

/** Starts the fixture in a process group of its own; resolves once its pool and server are ready. */
async function startParent(runtime: 'process' | 'thread', handling: 'signals' | 'own' | 'none', env: NodeJS.ProcessEnv = {}): Promise<Parent> {
  const child = spawn(process.execPath, [...tsx, fixture('group-parent.ts'), runtime, handling], { stdio: ['ignore', 'pipe', 'inherit'], detached: true, env: { ...process.env, ...env } })
  groups.add(child.pid as number)
  let output = ''
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()))
  const lines = (): Line[] => output.split('\n').filter(Boolean).map((line) => JSON.parse(line) as Line)
  const exited = new Promise<[number | null, NodeJS.Signals | null]>((resolve) => child.once('exit', (code, signal) => resolve([code, signal])))
  const ready = await new Promise<Line>((resolve, reject) => {
    const timer = setInterval(() => {
      const found = lines().find((line) => line.ready === true)
      if (found === undefined) return
      clearInterval(timer)
      resolve(found)
    }, 10)
    void exited.then(([code]) => {
      clearInterval(timer)
      reject(new Error(`the parent exited (${code}) before it was ready`))
    })
  })
  return { child, pids: ready.pids as number[], port: ready.port as number, lines, exited }
}

/** How one request ended: its status, or its error's code. */
type Outcome = { status: number; body: string; startedAt: number; endedAt: number } | { error: string; startedAt: number; endedAt: number }

/** One request on a connection of its own (no keep-alive: a closed server refuses new ones cleanly). */
function get(port: number, ms: number): Promise<Outcome> {
  const startedAt = Date.now()
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path: `/?ms=${ms}`, agent: false }, (response) => {
      let body = ''
      response.on('data', (chunk: Buffer) => (body += chunk.toString()))
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body, startedAt, endedAt: Date.now() }))
    })
    req.on('error', (error: NodeJS.ErrnoException) => resolve({ error: error.code ?? error.message, startedAt, endedAt: Date.now() }))
    req.end()
  })
}

/**
 * Every request the server took was answered 200 (it says how many it took); the others were
 * never accepted: refused once it closed, or reset in the listen backlog as it closed.
 */
function expectNoRequestFailed(outcomes: Outcome[], lines: Line[]): void {
  const served = lines.find((line) => line.step === 'server closed')
  expect(served).toMatchObject({ failed: 0 })
  const answered = outcomes.filter((outcome) => 'status' in outcome)
  for (const outcome of answered) expect(outcome).toMatchObject({ status: 200, body: 'ok' })
  expect(answered).toHaveLength(served?.accepted as number)
  for (const outcome of outcomes) if ('error' in outcome) expect(['ECONNREFUSED', 'ECONNRESET']).toContain(outcome.error)
}

/** `clients` loops of requests, each until the server refuses it; the signal goes `after` ms into the load. */
async function loadThenSignal(parent: Parent, signal: () => void, clients = 8, after = 400): Promise<{ outcomes: Outcome[]; signalledAt: number }> {
  const outcomes: Outcome[] = []
  const loop = async (): Promise<void> => {
    for (;;) {
      const outcome = await get(parent.port, 50)
      outcomes.push(outcome)
      if ('error' in outcome || outcome.status !== 200) return
    }
  }
  const loops = Array.from({ length: clients }, loop)
  await new Promise((resolve) => setTimeout(resolve, after))
  const signalledAt = Date.now()
  signal()
  await Promise.all(loops)
  return { outcomes, signalledAt }
}

const groupSigterm = (parent: Parent) => () => process.kill(-(parent.child.pid as number), 'SIGTERM')
const index = (lines: Line[], accept: (line: Line) => boolean): number => lines.findIndex(accept)

describe.each(['process', 'thread'] as const)('a SIGTERM to the whole group, %s pool, handleSignals() with beforeShutdown', (runtime) => {
  it('fails no request in flight, crashes and starts no worker, closes the server before the workers, and exits 0', async () => {
    const parent = await startParent(runtime, 'signals')
    const { outcomes, signalledAt } = await loadThenSignal(parent, groupSigterm(parent))
    expect(await parent.exited).toEqual([0, null])
    // Under load: requests were in flight at the signal, and each of them was answered 200.
    const inFlight = outcomes.filter((outcome) => outcome.startedAt < signalledAt && outcome.endedAt > signalledAt)
    expect(inFlight.length).toBeGreaterThan(0)
    const lines = parent.lines()
    expectNoRequestFailed(outcomes, lines)
    // No worker was started after the first two, and every one exited because the pool closed.
    expect(lines.filter((line) => line.event === 'spawn')).toHaveLength(2)
    expect(lines.filter((line) => line.event === 'restart')).toEqual([])
    const exits = lines.filter((line) => line.event === 'exit')
    expect(exits.map((line) => line.reason)).toEqual(['closed', 'closed'])
    // The order: the server stops accepting and drains (the pool draining, its workers serving on), then the workers stop.
    const closed = index(lines, (line) => line.step === 'server closed')
    expect(lines[closed]).toMatchObject({ state: 'draining' })
    expect(closed).toBeLessThan(index(lines, (line) => line.event === 'exit'))
    const report = lines.find((line) => line.step === 'workers stopped') as { signal: string; results: Array<{ code: number; forced: boolean }> }
    expect(report.signal).toBe('SIGTERM')
    expect(report.results.map(({ code, forced }) => ({ code, forced }))).toEqual([
      { code: 0, forced: false },
      { code: 0, forced: false },
    ])
    for (const pid of parent.pids) if (runtime === 'process') await waitForExit(pid)
  })
})

describe('a SIGTERM to the whole group, process pool, the app with a SIGTERM listener of its own', () => {
  it('leaves the workers to the app: they serve on while the server drains, then the pool closes them; no crash, no start', async () => {
    const parent = await startParent('process', 'own')
    const { outcomes } = await loadThenSignal(parent, groupSigterm(parent))
    expect(await parent.exited).toEqual([0, null])
    const lines = parent.lines()
    expectNoRequestFailed(outcomes, lines)
    expect(lines.filter((line) => line.event === 'spawn')).toHaveLength(2)
    expect(lines.filter((line) => line.event === 'exit').map((line) => line.reason)).toEqual(['closed', 'closed'])
    const report = lines.find((line) => line.step === 'workers stopped') as { results: Array<{ code: number }> }
    expect(report.results.map((result) => result.code)).toEqual([0, 0])
  })

  it('starts no worker once the app handles a SIGTERM, not even to replace one that dies', async () => {
    const parent = await startParent('process', 'own', { CRASH_ONE: '1' })
    parent.child.kill('SIGTERM') // the parent alone: its workers got no signal
    expect(await parent.exited).toEqual([0, null])
    const lines = parent.lines()
    expect(lines.filter((line) => line.event === 'spawn')).toHaveLength(2)
    expect(lines.filter((line) => line.event === 'restart')).toEqual([])
    expect(lines.filter((line) => line.event === 'exit').map((line) => line.reason).sort()).toEqual(['closed', 'crash'])
  })
})

describe('a SIGTERM to the whole group, a parent with no listener', () => {
  it('the parent dies of it, and its workers follow (their parent-died path)', async () => {
    const parent = await startParent('process', 'none')
    groupSigterm(parent)()
    expect(await parent.exited).toEqual([null, 'SIGTERM'])
    for (const pid of parent.pids) await waitForExit(pid, 5_000)
    expect(parent.pids.some(isAlive)).toBe(false)
  })
})
