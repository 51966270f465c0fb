/**
 * Decoder fuzz on the in-memory pair: well over 100,000 random and mutated protocol
 * messages fed straight into the router's and the client's receive listeners, between
 * legitimate calls. Nothing may throw out of a listener, no promise may reject unhandled,
 * every call must settle, and calls the fuzz does not aim at must return the right value.
 */
import { describe, expect, it } from 'vitest'
import { defineContract, procedure, type Serialization } from '@forkrpc/core'
import { createClient, createRouter, type Channel } from '@forkrpc/core/channel'
import { createMemoryChannelPair } from '@forkrpc/testing'
import { z } from 'zod'
import { closeAfterTest } from '../unit/support.js'
import { createFuzzer } from './fuzz-messages.js'

const contract = defineContract({
  add: procedure<{ a: number; b: number }, number>(),
  echo: procedure<unknown, unknown>(),
  held: procedure<number, number>(),
  checked: procedure({ input: z.object({ n: z.number() }), output: z.number() }),
})

/** Wraps a channel so that the test can call its listener (the router's or the client's) directly. */
function tapped(channel: Channel, sent?: (message: Record<string, unknown>) => void): Channel & { deliver(message: unknown): void } {
  const listeners: Array<(message: unknown) => void> = []
  return {
    serialization: channel.serialization,
    onClose: (listener) => channel.onClose(listener),
    send(message) {
      sent?.(message as Record<string, unknown>)
      channel.send(message)
    },
    receive(listener) {
      listeners.push(listener)
      return channel.receive(listener)
    },
    deliver(message) {
      for (const listener of listeners) listener(message)
    },
  }
}

const MESSAGES_PER_SIDE = 50_000

describe.each<[Serialization, number]>([
  ['json', MESSAGES_PER_SIDE],
  ['advanced', 15_000],
])('the decoders on %s', (serialization, count) => {
  it(`survive ${count} hostile messages on each side, with legitimate calls in between`, async () => {
    const seed = Number(process.env.FUZZ_SEED ?? Date.now()) >>> 0
    console.log(`fuzz seed ${seed} (replay with FUZZ_SEED=${seed})`)
    const { parent, child } = createMemoryChannelPair(serialization)
    closeAfterTest(parent)
    const victimIds: string[] = []
    const gates: Array<() => void> = []
    const routerEnd = tapped(child)
    const clientEnd = tapped(parent, (message) => {
      if (message.t === 'q' && message.m === 'held') victimIds.push(message.i as string)
    })
    const router = createRouter(
      contract,
      {
        add: ({ a, b }) => a + b,
        echo: (value) => value,
        held: (n) => new Promise<number>((resolve) => gates.push(() => resolve(n))),
        checked: ({ n }) => n * 2,
      },
      routerEnd,
    )
    const client = createClient(contract, clientEnd)
    const fuzzOptions = { procedures: contract.names, knownIds: () => victimIds, json: serialization === 'json' }
    const toRouter = createFuzzer(seed, fuzzOptions)
    const toClient = createFuzzer(seed + 1, fuzzOptions)

    const checks: Array<Promise<void>> = []
    const victims: Array<Promise<unknown>> = []
    const escaped: unknown[] = []
    for (let i = 0; i < count; i++) {
      try {
        routerEnd.deliver(toRouter())
        clientEnd.deliver(toClient())
      } catch (error) {
        escaped.push(error)
      }
      if (i % 500 === 0) {
        // A call the fuzz does not know the id of must work as usual...
        for (const check of [client.call.add({ a: i, b: 1 }).then((sum) => expect(sum).toBe(i + 1)), client.call.checked({ n: i }).then((twice) => expect(twice).toBe(2 * i))]) {
          check.catch(() => undefined) // awaited below; this keeps an early failure from reporting each one
          checks.push(check)
        }
        // ...while these are targets: forged replies, cancels and duplicates aim at their ids.
        const controller = new AbortController()
        const victim = client.call.held(i, { signal: controller.signal, timeout: i % 1_000 === 0 ? 1 : 0 })
        victim.catch(() => undefined) // settled below; a rejection is one of the expected outcomes
        victims.push(victim)
        if (i % 1_500 === 0) controller.abort(new Error('cancelled by the test'))
        // Let the memory channel deliver what was queued.
        await new Promise((resolve) => setImmediate(resolve))
      }
    }
    expect(escaped, `seed ${seed}`).toEqual([])
    await Promise.all(checks)
    // Whatever the fuzz did to them, every call settles once its handler is let go.
    for (const release of gates.splice(0)) release()
    await new Promise((resolve) => setImmediate(resolve))
    for (const release of gates.splice(0)) release()
    const settled = await Promise.allSettled(victims)
    expect(settled).toHaveLength(victims.length)
    expect(client.pending).toBe(0)
    // The router still answers, and nothing it ran is left running.
    await expect(client.call.echo({ still: 'alive' })).resolves.toEqual({ still: 'alive' })
    for (const release of gates.splice(0)) release()
    await router.drained()
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
  }, 60_000)
})
