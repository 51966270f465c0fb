/**
 * An in-memory pair of channels that behaves like Node's IPC channel: every message is
 * serialized and deserialized on the way (JSON on `json`, the v8 serializer on
 * `advanced`), a value Node would refuse makes `send()` throw the same way, and delivery
 * is asynchronous and in order.
 */
import { deserialize, serialize } from 'node:v8'
import type { Channel, CloseReason } from '@forkrpc/core/channel'
import type { Serialization } from '@forkrpc/core'

/**
 * One end of the pair, plus the means to close it.
 *
 * @example
 * ```ts
 * const { parent } = createMemoryChannelPair()
 * parent.close((procedure) => new ChannelClosedError(procedure, 'closed by the test'))
 * ```
 */
export interface MemoryChannel extends Channel {
  /** Closes both ends: each side's close listeners hear `reason`. */
  close(reason: CloseReason): void
}

/**
 * Creates two connected channels (`parent`, `child`).
 *
 * @example
 * ```ts
 * const { parent, child } = createMemoryChannelPair('json')
 * child.receive((message) => console.log(message))
 * parent.send({ hello: 'world' })
 * ```
 */
export function createMemoryChannelPair(serialization: Serialization = 'json'): { parent: MemoryChannel; child: MemoryChannel } {
  const clone: (message: object) => unknown =
    serialization === 'advanced' ? (message) => deserialize(serialize(message)) : (message) => JSON.parse(JSON.stringify(message)) as unknown
  let closed: CloseReason | undefined
  const ends = [makeEnd(), makeEnd()] as const

  function makeEnd() {
    return { listeners: new Set<(message: unknown) => void>(), closeListeners: [] as Array<(reason: CloseReason) => void> }
  }

  function channel(self: (typeof ends)[number], peer: (typeof ends)[number]): MemoryChannel {
    return {
      serialization,
      send(message) {
        const copy = clone(message) // throws like Node's send() for what it cannot serialize
        if (closed !== undefined) return // like a send to an exited child: nothing arrives
        setImmediate(() => {
          if (closed === undefined) for (const listener of peer.listeners) listener(copy)
        })
      },
      receive(listener) {
        self.listeners.add(listener)
        return () => self.listeners.delete(listener)
      },
      onClose(listener) {
        if (closed === undefined) self.closeListeners.push(listener)
        else listener(closed)
      },
      close(reason) {
        if (closed !== undefined) return
        closed = reason
        for (const end of ends) for (const listener of end.closeListeners.splice(0)) listener(reason)
      },
    }
  }

  return { parent: channel(ends[0], ends[1]), child: channel(ends[1], ends[0]) }
}
