/**
 * The test pair's fault injection in detail (test/faults.test.ts checks each fault against a
 * real child): ordering under latency, what dropReplies picks, the handlers' view of a
 * dying child, and bad arguments.
 */
import { describe, expect, it } from 'vitest'
import { AbortError, ChannelClosedError, defineContract, procedure, TimeoutError, WorkerExitedError } from '@forkrpc/core'
import { createMemoryChannelPair } from '@forkrpc/testing'
import { closeAfterTest, deferred, pairFor } from '../support.js'

const contract = defineContract({
  echo: procedure<unknown, unknown>(),
  other: procedure<number, number>(),
  watch: procedure<void, string>(),
})

describe('the memory channel with latency', () => {
  it('keeps each direction in order even when a later message has a shorter latency', async () => {
    const delays = [60, 0, 30, 0]
    const { parent, child } = createMemoryChannelPair('json', { latency: () => delays.shift() ?? 0 })
    closeAfterTest(parent)
    const received: number[] = []
    const all = new Promise<void>((resolve) =>
      child.receive((message) => {
        received.push((message as { n: number }).n)
        if (received.length === 4) resolve()
      }),
    )
    for (const n of [1, 2, 3, 4]) parent.send({ n })
    await all
    expect(received).toEqual([1, 2, 3, 4])
  })
})

describe('pair.faults', () => {
  it('latency delays answers without losing or reordering them', async () => {
    const pair = pairFor(contract, { echo: (v) => v, other: (n) => n, watch: () => 'w' }, { latency: 20 })
    expect(await Promise.all([1, 2, 3].map((n) => pair.call.echo(n)))).toEqual([1, 2, 3])
    pair.faults.latency(0)
    expect(await pair.call.other(4)).toBe(4)
  })

  it('dropReplies(count, procedure) drops only that many replies, of that procedure', async () => {
    const pair = pairFor(contract, { echo: (v) => v, other: (n) => n, watch: () => 'w' })
    pair.faults.dropReplies(2, 'other')
    expect(await pair.call.echo('kept')).toBe('kept')
    await expect(pair.call.other(1, { timeout: 30 })).rejects.toBeInstanceOf(TimeoutError)
    await expect(pair.call.other(2, { timeout: 30 })).rejects.toBeInstanceOf(TimeoutError)
    expect(await pair.call.other(3)).toBe(3)
  })

  it('exit() aborts the running handlers with the WorkerExitedError, and inFlight drops to 0', async () => {
    const seen = deferred<unknown>()
    const pair = pairFor(contract, {
      echo: (v) => v,
      other: (n) => n,
      watch: (_input, { signal }) =>
        new Promise((_resolve, reject) =>
          signal.addEventListener('abort', () => {
            seen.resolve(signal.reason)
            reject(signal.reason)
          }),
        ),
    })
    const call = pair.call.watch().catch((e: unknown) => e)
    await pair.call.echo('in order')
    expect(pair.inFlight).toBe(1)
    pair.faults.exit({ exitCode: 2 })
    expect(await seen.promise).toBeInstanceOf(WorkerExitedError)
    expect(await call).toMatchObject({ name: 'WorkerExitedError', exitCode: 2 })
    expect(pair.inFlight).toBe(0)
  })

  it('close() after an exit keeps reporting the exit', async () => {
    const pair = pairFor(contract, { echo: (v) => v, other: (n) => n, watch: () => 'w' })
    pair.faults.disconnect()
    await pair.close()
    const error = await pair.call.echo(1).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(WorkerExitedError)
    expect(error).not.toBeInstanceOf(ChannelClosedError)
  })

  it('refuses bad arguments with TypeErrors', () => {
    const pair = pairFor(contract, { echo: (v) => v, other: (n) => n, watch: () => 'w' })
    expect(() => pair.faults.latency(-1)).toThrow(TypeError)
    expect(() => pair.faults.latency(Infinity)).toThrow(/finite number >= 0/)
    expect(() => pair.faults.dropReplies(0)).toThrow(/positive integer/)
    // @ts-expect-error -- neither an exit code nor a signal
    expect(() => pair.faults.exit({})).toThrow(/either an integer exitCode or a signal/)
    // @ts-expect-error -- both
    expect(() => pair.faults.exit({ exitCode: 1, signal: 'SIGKILL' })).toThrow(TypeError)
    // @ts-expect-error -- not a side
    expect(() => pair.faults.inject('sideways', {})).toThrow(/'parent' or 'child'/)
    expect(() => pair.faults.inject('parent', { fn: () => 1, big: 1n })).toThrow() // as Node's send() would
  })

  it('a handler aborted by exit() does not leak an AbortError to the caller', async () => {
    const pair = pairFor(contract, { echo: (v) => v, other: (n) => n, watch: () => new Promise(() => {}) })
    const call = pair.call.watch().catch((e: unknown) => e)
    await pair.call.echo(0)
    pair.faults.exit({ signal: 'SIGTERM' })
    const error = await call
    expect(error).toBeInstanceOf(WorkerExitedError)
    expect(error).not.toBeInstanceOf(AbortError)
  })
})
