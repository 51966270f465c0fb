/**
 * `inspect`: the worker opens the inspector on a free port and the parent learns where, for
 * processes and threads; two workers never clash; bad values reject with a TypeError.
 */
import { describe, expect, it, vi } from 'vitest'
import { fork, workers, type InspectEvent } from '@forkrpc/core'
import { math } from '../../fixtures/math.contract.js'
import { fixture, forkFixture, spawnThreadFixture, tsx } from '../../helpers.js'

const INSPECTOR_URL = /^ws:\/\/127\.0\.0\.1:(\d+)\/[0-9a-f-]{36}$/

/** The inspector's own list of debug targets at `url`'s port: proves a debugger can attach there. */
async function debugTargets(url: string): Promise<string[]> {
  const port = INSPECTOR_URL.exec(url)?.[1]
  const response = await fetch(`http://127.0.0.1:${port}/json/list`)
  const targets = (await response.json()) as Array<{ webSocketDebuggerUrl: string }>
  return targets.map((target) => target.webSocketDebuggerUrl.replace(/^ws:\/\//, 'ws://'))
}

describe('inspect', () => {
  it('a forked worker opens its inspector on a free port and reports the URL on the worker, in workers() and to onInspect', async () => {
    const onInspect = vi.fn<(event: InspectEvent) => void>()
    const worker = await forkFixture(math, 'math.worker.ts', { inspect: true, onInspect })
    expect(worker.inspectorUrl).toMatch(INSPECTOR_URL)
    expect(onInspect).toHaveBeenCalledExactlyOnceWith({ url: worker.inspectorUrl, module: fixture('math.worker.ts') })
    expect(workers().find((info) => info.pid === worker.pid)?.inspectorUrl).toBe(worker.inspectorUrl)
    expect(await debugTargets(worker.inspectorUrl ?? '')).toContain(worker.inspectorUrl)
    expect(await worker.call.add({ a: 1, b: 2 })).toBe(3)
  })

  it('two workers get two ports, even when this process passes its own --inspect flag on', async () => {
    const options = { inspect: true, execArgv: [...tsx, '--inspect=127.0.0.1:9'] } as const
    const [first, second] = await Promise.all([forkFixture(math, 'math.worker.ts', options), forkFixture(math, 'math.worker.ts', options)])
    const ports = [first.inspectorUrl, second.inspectorUrl].map((url) => INSPECTOR_URL.exec(url ?? '')?.[1])
    expect(ports[0]).toMatch(/^\d+$/)
    expect(ports[1]).toMatch(/^\d+$/)
    expect(ports[0]).not.toBe(ports[1])
    expect(ports).not.toContain('9')
  })

  it('a thread opens its inspector when it calls serve()', async () => {
    const worker = await spawnThreadFixture(math, 'math.worker.ts', { inspect: { port: 0 } })
    expect(worker.inspectorUrl).toMatch(INSPECTOR_URL)
    expect(await debugTargets(worker.inspectorUrl ?? '')).toContain(worker.inspectorUrl)
    expect(await worker.call.add({ a: 2, b: 2 })).toBe(4)
  })

  it('without inspect, a worker has no inspector', async () => {
    const worker = await forkFixture(math, 'math.worker.ts')
    expect(worker.inspectorUrl).toBeUndefined()
  })

  it.each([
    [-1, /port must be an integer from 0/],
    [65_536, /port must be an integer from 0/],
    [1.5, /port must be an integer from 0/],
    ['9229', /inspect must be true, a port or \{ host, port \}/],
    [{ host: '' }, /inspect.host must be a host name/],
  ])('inspect: %j rejects with a TypeError before anything starts', async (inspect, message) => {
    const started = fork(math, fixture('math.worker.ts'), { inspect: inspect as never })
    await expect(started).rejects.toThrow(TypeError)
    await expect(started).rejects.toThrow(message)
  })
})

describe('inspect on a taken port', () => {
  it('the worker runs without an inspector, as Node does, and onInspect is not called', async () => {
    const { createServer } = await import('node:net')
    const server = createServer()
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    try {
      const port = (server.address() as { port: number }).port
      const onInspect = vi.fn()
      const worker = await forkFixture(math, 'math.worker.ts', { inspect: port, onInspect })
      expect(worker.inspectorUrl).toBeUndefined()
      expect(onInspect).not.toHaveBeenCalled()
      expect(await worker.call.add({ a: 1, b: 1 })).toBe(2)
    } finally {
      server.close()
    }
  })
})
