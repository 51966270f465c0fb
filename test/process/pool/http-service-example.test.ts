/**
 * The cookbook's server entry (examples/http-service) runs as documented: its main.ts starts
 * server.ts as the leader of a process group of its own, loads it past its capacity, SIGKILLs
 * a worker, sends a hostile document, SIGTERMs the whole group, checks every answer and exits
 * non-zero if the service does not behave as shown. afterEach SIGKILLs the server's group, so
 * a failing run leaves no process behind.
 */
import { spawn } from 'node:child_process'
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
    expect(groupAlive(pgid as number)).toBe(false)
    expect(childPids()).toEqual([])
  }, 60_000)
})
