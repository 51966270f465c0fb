/**
 * An in-memory pair of channels that behaves like Node's IPC channel: every message is
 * serialized and deserialized on the way (JSON on `json`, the v8 serializer on
 * `advanced`), a value Node would refuse makes `send()` throw the same way, and delivery
 * is asynchronous and in order, optionally after a latency.
 */
import { performance } from 'node:perf_hooks'
import { deserialize, serialize } from 'node:v8'
import type { Channel, CloseReason } from '@forkrpc/core/channel'
import type { Serialization } from '@forkrpc/core'

/**
 * One end of the pair, plus the means to close it.
 *
 * @example
 * ```ts
 * const { parent } = createMemoryChannelPair()
 * parent.close((procedure) => new ChannelClosedError('closed by the test', { procedure }))
 * ```
 */
export interface MemoryChannel extends Channel {
  /** Closes both ends: each side's close listeners hear `reason`; messages still on the way are lost. */
  close(reason: CloseReason): void
}

/**
 * Options of {@link createMemoryChannelPair}.
 *
 * @example
 * ```ts
 * createMemoryChannelPair('json', { latency: () => 20 })
 * ```
 */
export interface MemoryChannelOptions {
  /**
   * Milliseconds each message takes to arrive, asked for every message as it is sent.
   * Messages still arrive in the order they were sent in each direction, as on a real
   * pipe: a message never overtakes a slower one sent before it. Default: none (the next
   * turn of the event loop).
   */
  latency?: ((message: unknown) => number) | undefined
}

interface Delivery {
  readonly at: number
  readonly message: unknown
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
export function createMemoryChannelPair(serialization: Serialization = 'json', options: MemoryChannelOptions = {}): { parent: MemoryChannel; child: MemoryChannel } {
  const clone: (message: object) => unknown =
    serialization === 'advanced' ? (message) => deserialize(serialize(message)) : (message) => JSON.parse(JSON.stringify(message)) as unknown
  let closed: CloseReason | undefined
  const ends = [makeEnd(), makeEnd()] as const

  function makeEnd() {
    return { listeners: new Set<(message: unknown) => void>(), closeListeners: [] as Array<(reason: CloseReason) => void>, inbox: [] as Delivery[] }
  }
  type End = (typeof ends)[number]

  function deliverHead(end: End): void {
    // One timer per message, each set for its own (non-decreasing) arrival time, so the
    // head is always due when any of them fires.
    const delivery = end.inbox.shift()
    if (closed === undefined && delivery !== undefined) for (const listener of end.listeners) listener(delivery.message)
  }

  function channel(self: End, peer: End): MemoryChannel {
    return {
      serialization,
      send(message) {
        const copy = clone(message) // throws like Node's send() for what it cannot serialize
        if (closed !== undefined) return // like a send to an exited child: nothing arrives
        const latency = options.latency?.(copy) ?? 0
        if (latency <= 0 && peer.inbox.length === 0) {
          setImmediate(() => {
            if (closed === undefined) for (const listener of peer.listeners) listener(copy)
          })
          return
        }
        const now = performance.now()
        const at = Math.max(now + Math.max(latency, 0), peer.inbox.at(-1)?.at ?? 0)
        peer.inbox.push({ at, message: copy })
        if (at <= now) setImmediate(deliverHead, peer)
        else setTimeout(deliverHead, Math.ceil(at - now), peer)
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
        for (const end of ends) {
          end.inbox.length = 0
          for (const listener of end.closeListeners.splice(0)) listener(reason)
        }
      },
    }
  }

  return { parent: channel(ends[0], ends[1]), child: channel(ends[1], ends[0]) }
}
