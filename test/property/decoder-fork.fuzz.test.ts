/**
 * Decoder fuzz over a real fork: hostile messages written on the real IPC channel in both
 * directions (the parent writes them to the worker's router; the worker, asked to, writes
 * them to the parent's client, aimed at the ids of calls it is running), with legitimate
 * calls in between. Neither process may crash, every call must settle, and calls the fuzz
 * does not aim at must return the right value.
 */
import { describe, expect, it } from 'vitest'
import { fuzz } from '../fixtures/fuzz.contract.js'
import { forkFixture } from '../helpers.js'
import { createFuzzer } from './fuzz-messages.js'

const MESSAGES_PER_SIDE = 12_000

describe('the decoders on a real fork', () => {
  it(`survive ${MESSAGES_PER_SIDE} hostile messages on each side of the IPC channel`, async () => {
    const seed = Number(process.env.FUZZ_SEED ?? Date.now()) >>> 0
    console.log(`fuzz seed ${seed} (replay with FUZZ_SEED=${seed})`)
    const worker = await forkFixture(fuzz, 'fuzz.worker.ts')
    const child = worker.process
    const requestIds: string[] = []
    const send = child.send.bind(child) as (message: unknown) => boolean
    // Learn the ids of the parent's real calls of `held`, so that hostile messages can aim at
    // them (forged replies, cancels, duplicates).
    child.send = ((message: { t?: unknown; i?: unknown }, ...rest: unknown[]) => {
      if (message?.t === 'q' && (message as { m?: unknown }).m === 'held' && typeof message.i === 'string') requestIds.push(message.i)
      return (send as (...args: unknown[]) => boolean)(message, ...rest)
    }) as typeof child.send
    const next = createFuzzer(seed, { procedures: fuzz.names, knownIds: () => requestIds.slice(-20), json: true })

    const spraying = worker.call.spray({ count: MESSAGES_PER_SIDE, seed: seed + 1 })
    const checks: Array<Promise<void>> = []
    const victims: Array<Promise<unknown>> = []
    for (let i = 0; i < MESSAGES_PER_SIDE; i++) {
      try {
        send(next())
      } catch {
        // JSON refused it (a BigInt): nothing was sent.
      }
      if (i % 250 === 0) {
        const check = worker.call.add({ a: i, b: 2 }).then((sum) => expect(sum, `seed ${seed}`).toBe(i + 2))
        check.catch(() => undefined) // awaited below; this keeps an early failure from reporting each one
        checks.push(check)
        const victim = worker.call.held(i % 50)
        victim.catch(() => undefined) // a forged reply may reject it: it only has to settle
        victims.push(victim)
        await new Promise((resolve) => setImmediate(resolve))
      }
    }
    expect(await spraying).toBeGreaterThan(MESSAGES_PER_SIDE * 0.9)
    await Promise.all(checks)
    expect(await Promise.allSettled(victims)).toHaveLength(victims.length)
    await expect(worker.call.echo({ still: ['alive'] })).resolves.toEqual({ still: ['alive'] })
    expect(child.exitCode).toBeNull()
    expect(child.signalCode).toBeNull()
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
  }, 60_000)
})
