/**
 * The cookbook's server entry (examples/http-service) runs as documented: its main.ts starts
 * server.ts as the leader of a process group of its own, loads it past its capacity, SIGKILLs
 * a worker, sends a hostile document, SIGTERMs the whole group, checks every answer and exits
 * non-zero if the service does not behave as shown. afterEach SIGKILLs the server's group, so
 * a failing run leaves no process behind.
 */
import { execFileSync, spawn } from 'node:child_process'
import { setTimeout as delay } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'
import { childPids, track, tsx } from '../../helpers.js'

const groups = new Set<number>()
afterEach(() => {
  for (const pgid of groups) {
    try {
      process.kill(-pgid, 'SIGKILL')
    } catch {}
  }
  groups.clear()
})

/** The processes of the group `pgid` (pid, state, command), for a failure's message. */
function groupProcesses(pgid: number): string {
  try {
    return execFileSync('ps', ['-o', 'pid=,stat=,args=', '-g', String(pgid)], { encoding: 'utf8' })
  } catch {
    return ''
  }
}

/**
 * Waits up to `ms` for the group `pgid` to be empty; true if it is. Not a single look right
 * after main.ts exits: the group's last processes can still be ending then (once in CI at
 * load ~3 something was, and is not known: the failure now lists it), and an orphaned zombie
 * waits for init to reap it. One that outlives the bound is a process left behind.
 */
async function groupGone(pgid: number, ms: number): Promise<boolean> {
  for (const started = Date.now(); Date.now() - started < ms; await delay(50)) if (!groupAlive(pgid)) return true
  return !groupAlive(pgid)
}

/** True while some process of the group `pgid` exists. */
function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0)
    return true
  } catch {
    return false
  }
}

describe('examples/http-service', () => {
  it('answers, sheds a burst with 503s, survives a SIGKILLed worker and a runaway render, drains on a group SIGTERM, and leaves nothing behind', async () => {
    const main = fileURLToPath(new URL('../../../examples/http-service/main.ts', import.meta.url))
    const child = spawn(process.execPath, [...tsx, main], { stdio: ['ignore', 'pipe', 'pipe'] })
    track(child)
    let output = ''
    const onData = (data: Buffer): void => {
      output += data.toString()
      const pgid = /server pid (\d+)/.exec(output)?.[1]
      if (pgid !== undefined) groups.add(Number(pgid))
    }
    child.stdout.on('data', onData)
    child.stderr.on('data', onData)
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve))
    expect(code, output).toBe(0)
    expect(output).toContain('5. SIGTERM to the group under load')
    const [pgid] = groups
    expect(pgid).toBeTypeOf('number')
    // The server and its workers are gone: no process is left in its group.
    const gone = await groupGone(pgid as number, 5_000)
    expect(gone, `left in the group:\n${groupProcesses(pgid as number)}`).toBe(true)
    expect(childPids()).toEqual([])
  }, 60_000)
})
