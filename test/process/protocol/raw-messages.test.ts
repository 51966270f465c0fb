import { describe, expect, it } from 'vitest'
import { UnknownProcedureError } from '@forkrpc/core'
import { PROTOCOL_VERSION } from '@forkrpc/core/channel'
import { lifecycle } from '../../fixtures/lifecycle.contract.js'
import { forkFixture } from '../../helpers.js'

/** The messages of one arrival: a batch (`b`) carries the replies one turn of the worker's event loop wrote, in `p`. */
function unbatched(message: { t?: string; p?: unknown[] }): unknown[] {
  return message?.t === 'b' && Array.isArray(message.p) ? message.p : [message]
}

describe('the protocol on a real channel', () => {
  it('leaves foreign messages alone and drops malformed ones, in both directions, without crashing', async () => {
    const worker = await forkFixture(lifecycle, 'lifecycle.worker.ts')
    const garbage: unknown[] = [
      'a string',
      42,
      null,
      [1, 2, 3],
      { hello: 'world' },
      { $fr: PROTOCOL_VERSION },
      { $fr: PROTOCOL_VERSION, t: 'q' },
      { $fr: PROTOCOL_VERSION, t: 'q', i: 5, m: 'sleep' },
      { $fr: PROTOCOL_VERSION, t: 'q', i: 'x', m: 7 },
      { $fr: PROTOCOL_VERSION, t: 'zz', i: 'x' },
      { $fr: PROTOCOL_VERSION + 1, t: 'q', i: 'x', m: 'sleep', v: 1 }, // another version
      { $fr: PROTOCOL_VERSION, t: 'c', i: 'never-existed', r: 'a' },
      { $fr: PROTOCOL_VERSION, t: 'r', i: 'never-existed', v: 1 },
      { $fr: PROTOCOL_VERSION, t: 'q', i: 'bad-x', m: 'echo', x: 'not an object' },
      { $fr: PROTOCOL_VERSION, t: 'q', i: 'bad-meta', m: 'echo', x: { json: {}, meta: { values: { '__proto__.polluted': ['undefined'] } } } },
    ]
    const replies: unknown[] = []
    worker.process.on('message', (message: { t?: string; p?: unknown[] }) => replies.push(...unbatched(message)))
    for (const message of garbage) worker.process.send(message as object)
    // Calls in between still get their own answers.
    expect(await worker.call.sleep(1)).toBe('slept 1')
    expect(await worker.call.echo({ ok: true })).toEqual({ ok: true })
    // The two well-formed requests with bad payloads got SerializationError replies; nothing else was answered.
    const answered = replies.filter((m) => (m as { t?: string }).t === 'e').map((m) => (m as { i: string }).i)
    expect(answered.sort()).toEqual(['bad-meta', 'bad-x'])
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
  })

  it('answers a raw request for a name the worker does not serve with UnknownProcedureError', async () => {
    const worker = await forkFixture(lifecycle, 'lifecycle.worker.ts')
    const reply = new Promise<{ v: { name: string; c: string } }>((resolve) => {
      worker.process.on('message', (arrived: { t?: string; p?: unknown[] }) => {
        for (const message of unbatched(arrived) as Array<{ t?: string; i?: string; v: { name: string; c: string } }>) {
          if (message.t === 'e' && message.i === 'raw-1') resolve(message)
        }
      })
    })
    worker.process.send({ $fr: PROTOCOL_VERSION, t: 'q', i: 'raw-1', m: 'constructor' })
    expect((await reply).v).toMatchObject({ name: 'UnknownProcedureError', c: `forkrpc:${UnknownProcedureError.name}` })
    expect(await worker.call.sleep(1)).toBe('slept 1')
  })
  it('logs dropped messages when FORKRPC_DEBUG is set, and stays quiet when it is not', async () => {
    const run = async (env: NodeJS.ProcessEnv): Promise<string> => {
      const worker = await forkFixture(lifecycle, 'lifecycle.worker.ts', { env })
      let stderr = ''
      worker.process.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
      worker.process.send({ $fr: PROTOCOL_VERSION, t: 'zz' })
      expect(await worker.call.sleep(1)).toBe('slept 1')
      await worker.close()
      return stderr
    }
    const { FORKRPC_DEBUG: _ignored, NODE_DEBUG: _ignoredToo, ...quiet } = process.env
    expect(await run({ ...quiet, FORKRPC_DEBUG: '1' })).toMatch(/FORKRPC \d+: dropped a malformed message/)
    expect(await run(quiet)).not.toContain('FORKRPC')
  })
})
