/**
 * A message the channel's serializer refuses only when its batch is written (after `send()`
 * returned) fails its own call and no other: a request fails its call with SerializationError
 * naming the procedure (the caller side's one listener for every request), a reply fails its
 * call the same way on the other side. The channel here batches as a process's IPC channel
 * does and writes each batch as JSON text.
 */
import { EventEmitter } from 'node:events'
import { describe, expect, it } from 'vitest'
import { defineContract, procedure } from '@forkrpc/core'
import { BatchingSender } from '../../../packages/core/src/channel/batching-sender.js'
import { CloseListeners, type Channel } from '../../../packages/core/src/channel/channel.js'
import { ipcEndpoint } from '../../../packages/core/src/channel/ipc-endpoint.js'
import { parentPeer, workerPeer } from '../../../packages/core/src/rpc/peer-roles.js'

const contract = defineContract({ echo: procedure<unknown, unknown>(), explode: procedure<void, unknown>() })

/** Says it is JSON data (a toJSON()), then throws when JSON.stringify asks for it: found only when the batch is written. */
class Explosive {
  toJSON(): never {
    throw new Error('cannot be written')
  }
}

/** One direction of a fake IPC pipe: each write is JSON text, read on the other side at setImmediate. */
function jsonChannel(from: EventEmitter, to: EventEmitter): Channel {
  const sender = new BatchingSender((message, written) => {
    const text = JSON.stringify(message)
    setImmediate(() => {
      to.emit('message', JSON.parse(text))
      written(null)
    })
    return true
  })
  const closing = new CloseListeners()
  return { serialization: 'json', ...ipcEndpoint(from, sender, () => 'peer'), onClose: (listener) => closing.add(listener) }
}

function pair() {
  const parentEnd = new EventEmitter()
  const workerEnd = new EventEmitter()
  const parent = parentPeer(contract, jsonChannel(parentEnd, workerEnd), {}, {})
  workerPeer(contract, { echo: (value: unknown) => value, explode: () => new Explosive() }, jsonChannel(workerEnd, parentEnd), {}, { where: 'serve' })
  return parent.call as unknown as { echo(input: unknown): Promise<unknown>; explode(): Promise<unknown> }
}

describe('a message refused when its batch is written', () => {
  it('fails its own call (a request) and lets the calls of its batch through', async () => {
    const call = pair()
    const before = call.echo({ n: 1 })
    const refused = call.echo({ bad: new Explosive() })
    const after = call.echo([2])
    await expect(refused).rejects.toMatchObject({ name: 'SerializationError' })
    await expect(refused).rejects.toThrow(/echo/)
    await expect(before).resolves.toEqual({ n: 1 })
    await expect(after).resolves.toEqual([2])
  })

  it('fails its own call (a reply) with the reason, and the calls beside it get their results', async () => {
    const call = pair()
    const before = call.echo('a')
    const refused = call.explode()
    const after = call.echo('b')
    await expect(refused).rejects.toThrow(/explode/)
    await expect(before).resolves.toBe('a')
    await expect(after).resolves.toBe('b')
  })
})
