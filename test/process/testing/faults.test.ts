/**
 * Every fault that `pair.faults` injects, run against the in-memory test pair and against a
 * real forked child that misbehaves the same way: the caller must get the same typed error
 * (class, code, exit code or signal, procedure) from both.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { ChannelClosedError, TimeoutError, WorkerExitedError, type Client } from '@forkrpc/core'
import { PROTOCOL_VERSION } from '@forkrpc/core/channel'
import { createTestPair, type SimulatedExit } from '@forkrpc/testing'
import { faultsContract, type FaultInstruction } from '../../fixtures/faults.contract.js'
import { forkFixture } from '../../helpers.js'

/** One way of running faultsContract that can be made to misbehave. */
interface Subject {
  call: Client<typeof faultsContract>
  latency(ms: number): Promise<void>
  dropReplies(count: number, procedure?: string): Promise<void>
  exit(how: SimulatedExit & { stderr: string }): void
  kill(signal: NodeJS.Signals): void
  disconnect(): void
  inject(to: 'parent' | 'child', message: unknown): Promise<void>
  close(): Promise<unknown>
}

const handlers = { echo: (value: unknown) => value, hang: () => new Promise<never>(() => {}) }
const pairs: Array<{ close(): Promise<void> }> = []
afterEach(async () => {
  for (const pair of pairs.splice(0)) await pair.close()
})

const subjects: Record<string, () => Promise<Subject>> = {
  async 'in-memory test pair'() {
    const pair = createTestPair(faultsContract, handlers)
    pairs.push(pair)
    return {
      call: pair.call,
      latency: async (ms) => pair.faults.latency(ms),
      dropReplies: async (count, procedure) => pair.faults.dropReplies(count, procedure),
      exit: (how) => pair.faults.exit(how),
      kill: (signal) => pair.faults.exit({ signal }),
      disconnect: () => pair.faults.disconnect(),
      inject: async (to, message) => pair.faults.inject(to, message),
      close: () => pair.close(),
    }
  },
  async 'forked child'() {
    // Some faults kill the child on purpose.
    const worker = await forkFixture(faultsContract, 'faults.worker.ts', { allowExit: true })
    let acks = 0
    const control = (message: FaultInstruction, acknowledged = true): Promise<void> => {
      const ack = ++acks
      const done = new Promise<void>((resolve) => {
        const listener = (reply: { faultAck?: number } | null): void => {
          if (reply?.faultAck !== ack) return
          worker.process.off('message', listener)
          resolve()
        }
        if (acknowledged) worker.process.on('message', listener)
        else resolve()
      })
      worker.process.send({ ...message, ack })
      return done
    }
    return {
      call: worker.call,
      latency: (ms) => control({ fault: 'latency', ms }),
      dropReplies: (count, procedure) => control({ fault: 'drop', count, procedure }),
      exit: (how) => void control({ fault: 'exit', exitCode: how.exitCode as number, stderr: how.stderr }, false),
      kill: (signal) => worker.process.kill(signal),
      disconnect: () => void control({ fault: 'disconnect' }, false),
      async inject(to, message) {
        if (to === 'child') worker.process.send(message as object)
        else await control({ fault: 'inject', message })
      },
      close: () => worker.close(),
    }
  },
}

/** Starts a call that never settles and makes sure the other side has it; resolves with its outcome. */
async function callInFlight(subject: Subject): Promise<{ outcome: Promise<unknown> }> {
  const outcome = subject.call.hang().catch((error: unknown) => error)
  await subject.call.echo('in order') // the channel is ordered: hang has arrived
  return { outcome }
}

describe.each(Object.keys(subjects))('faults on the %s', (name) => {
  const start = subjects[name]!

  it('latency: a call slower than its timeout rejects with TimeoutError; one without a timeout still answers', async () => {
    const subject = await start()
    await subject.latency(300)
    const error = await subject.call.echo('late', { timeout: 50 }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(TimeoutError)
    expect(error).toMatchObject({ code: 'ERR_FORKRPC_TIMEOUT', procedure: 'echo', timeout: 50 })
    expect(await subject.call.echo('patient')).toBe('patient')
  })

  it('a dropped reply: the call times out with TimeoutError, and the next call is answered', async () => {
    const subject = await start()
    await subject.dropReplies(1, 'echo')
    const error = await subject.call.echo('lost', { timeout: 200 }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(TimeoutError)
    expect(error).toMatchObject({ procedure: 'echo', timeout: 200 })
    expect(await subject.call.echo('found')).toBe('found')
  })

  it('the child exits with a code mid-call: WorkerExitedError with that code and its stderr; later calls are not sent', async () => {
    const subject = await start()
    const { outcome: inFlight } = await callInFlight(subject)
    subject.exit({ exitCode: 3, stderr: 'fatal: out of cheese' })
    const error = (await inFlight) as WorkerExitedError
    expect(error).toBeInstanceOf(WorkerExitedError)
    expect(error).toMatchObject({ code: 'ERR_FORKRPC_WORKER_EXITED', exitCode: 3, signal: null, procedure: 'hang' })
    expect(error.stderr).toContain('fatal: out of cheese')
    expect(error.message).toMatch(/exited with code 3 before call "hang" returned/)
    const later = await subject.call.echo(1).catch((e: unknown) => e)
    expect(later).toBeInstanceOf(WorkerExitedError)
    expect(later).toMatchObject({ exitCode: 3, procedure: 'echo' })
    expect((later as Error).message).toContain('call "echo" was not sent')
  })

  it('the child is killed by a signal mid-call: WorkerExitedError with that signal', async () => {
    const subject = await start()
    const { outcome: inFlight } = await callInFlight(subject)
    subject.kill('SIGKILL')
    const error = await inFlight
    expect(error).toBeInstanceOf(WorkerExitedError)
    expect(error).toMatchObject({ exitCode: null, signal: 'SIGKILL', procedure: 'hang' })
    expect((error as Error).message).toContain('killed by SIGKILL')
  })

  it('the channel closes mid-call: WorkerExitedError that says the worker disconnected', async () => {
    const subject = await start()
    const { outcome: inFlight } = await callInFlight(subject)
    subject.disconnect()
    const error = await inFlight
    expect(error).toBeInstanceOf(WorkerExitedError)
    expect(error).toMatchObject({ exitCode: null, signal: null, procedure: 'hang' })
    expect((error as Error).message).toContain('disconnected before call "hang" returned')
  })

  it('garbage and foreign messages both ways: ignored, calls around them are answered', async () => {
    const subject = await start()
    const garbage: unknown[] = ['text', 42, null, [1, 2], { hello: 'world' }, { $fr: PROTOCOL_VERSION }, { $fr: PROTOCOL_VERSION, t: 'q', i: 7 }, { $fr: PROTOCOL_VERSION, t: 'r', i: 'nobody', v: 1 }, { $fr: PROTOCOL_VERSION + 1, t: 'e', i: 'x' }, { $fr: PROTOCOL_VERSION, t: 'zz' }]
    const before = subject.call.echo('before')
    for (const message of garbage) {
      await subject.inject('child', message)
      await subject.inject('parent', message)
    }
    expect(await before).toBe('before')
    expect(await subject.call.echo({ after: true })).toEqual({ after: true })
  })

  it('closed by the parent: later calls reject with ChannelClosedError', async () => {
    const subject = await start()
    await subject.close()
    const error = await subject.call.echo(1).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ChannelClosedError)
    expect(error).toMatchObject({ code: 'ERR_FORKRPC_CHANNEL_CLOSED', procedure: 'echo' })
  })
})
