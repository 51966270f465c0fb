import { MessageChannel } from 'node:worker_threads'
import { describe, expect, it } from 'vitest'
import { ChannelClosedError, defineContract, event, procedure, stream } from '@forkrpc/core'
import { createClient, createRouter, messagePortChannel, type Channel } from '@forkrpc/core/channel'

const contract = defineContract(
  {
    add: procedure<{ a: number; b: number }, number>(),
    count: stream<number, number>(),
    hang: procedure<void, never>(),
  },
  { events: { tick: event<number>() } },
)

const handlers = {
  add: ({ a, b }: { a: number; b: number }) => a + b,
  async *count(n: number) {
    for (let i = 0; i < n; i++) yield i
  },
  hang: () => new Promise<never>(() => {}),
}

describe('a contract over a MessagePort (messagePortChannel)', () => {
  it('serves calls and streams over a MessageChannel', async () => {
    const { port1, port2 } = new MessageChannel()
    createRouter(contract, handlers, messagePortChannel(port1))
    const client = createClient(contract, messagePortChannel(port2))
    try {
      expect(await client.call.add({ a: 40, b: 2 })).toBe(42)
      const chunks: number[] = []
      for await (const chunk of client.call.count(5)) chunks.push(chunk)
      expect(chunks).toEqual([0, 1, 2, 3, 4])
    } finally {
      port1.close()
    }
  })

  it('rejects calls in flight with ChannelClosedError when the port closes', async () => {
    const { port1, port2 } = new MessageChannel()
    createRouter(contract, handlers, messagePortChannel(port1))
    const client = createClient(contract, messagePortChannel(port2))
    const call = client.call.hang()
    await client.call.add({ a: 1, b: 1 })
    port1.close()
    await expect(call).rejects.toBeInstanceOf(ChannelClosedError)
    await expect(client.call.add({ a: 1, b: 1 })).rejects.toBeInstanceOf(ChannelClosedError)
  })
})

describe('a Channel of your own', () => {
  it('needs only serialization, send, receive and onClose', async () => {
    // A minimal loopback transport, the way an app would wrap a socket or an Electron port.
    const listeners = { parent: new Set<(message: unknown) => void>(), child: new Set<(message: unknown) => void>() }
    const end = (self: keyof typeof listeners, peer: keyof typeof listeners): Channel => ({
      serialization: 'json',
      send: (message) => {
        const copy: unknown = JSON.parse(JSON.stringify(message))
        setImmediate(() => listeners[peer].forEach((listener) => listener(copy)))
      },
      receive: (listener) => {
        listeners[self].add(listener)
        return () => listeners[self].delete(listener)
      },
      onClose: () => {},
    })
    createRouter(contract, handlers, end('child', 'parent'))
    const client = createClient(contract, end('parent', 'child'))
    expect(await client.call.add({ a: 2, b: 3 })).toBe(5)
  })
})
