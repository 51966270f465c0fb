import { readdirSync, readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { fork, workers, type RpcWorker } from '@forkrpc/core'
import { plain } from '../../fixtures/plain.contract.mjs'
import { childPids, fixture, isAlive, track } from '../../helpers.js'

/** Every process on the machine whose command line mentions `needle`, with its state and parent. */
function processesRunning(needle: string): Array<{ pid: number; ppid: number; state: string }> {
  const found = []
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      if (!readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(needle)) continue
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8')
      const [state, ppid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
      found.push({ pid: Number(entry), ppid: Number(ppid), state: state as string })
    } catch {}
  }
  return found
}

describe('many workers started and stopped', () => {
  it('300 fork/close cycles leave no zombie and no orphan', { timeout: 300_000 }, async () => {
    const module = fixture('plain.worker.mjs') // plain node, no tsx: a quick start
    const pids: number[] = []
    const cycle = async (): Promise<void> => {
      const worker = (await fork(plain, module, { stdio: ['ignore', 'ignore', 'pipe', 'ipc'], execArgv: [] })) as RpcWorker<typeof plain>
      pids.push(worker.pid)
      track(worker.pid)
      expect(await (worker.call as { add(input: { a: number; b: number }): Promise<number> }).add({ a: 1, b: 2 })).toBe(3)
      expect(await worker.close()).toEqual({ code: 0, signal: null, forced: false })
    }
    // Four at a time: 300 cycles in a few seconds without crowding a small machine.
    for (let i = 0; i < 300; i += 4) await Promise.all([cycle(), cycle(), cycle(), cycle()])
    expect(pids).toHaveLength(300)
    expect(new Set(pids).size).toBe(300)
    expect(workers()).toEqual([])
    expect(childPids()).toEqual([]) // no live child (and childPids skips zombies: checked next)
    const leftovers = processesRunning(module)
    expect(leftovers.filter((p) => p.state === 'Z')).toEqual([]) // no zombie
    expect(leftovers.filter((p) => p.ppid === 1 || pids.includes(p.pid))).toEqual([]) // no orphan
    expect(pids.filter(isAlive)).toEqual([])
  })
})
