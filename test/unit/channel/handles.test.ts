/**
 * Handles that come with a message on a process's IPC channel (Node's `send(message, socket)`):
 * forkrpc never sends one, so one with a forkrpc message is closed and the message dropped;
 * one with someone else's message is left to its listeners, and closed when there are none.
 * (Over a real fork, with real sockets and a server: test/process/hostile/.)
 */
import { EventEmitter } from 'node:events'
import { describe, expect, it, vi } from 'vitest'
import { PROTOCOL_VERSION } from '@forkrpc/core/channel'
import { BatchingSender } from '../../../packages/core/src/channel/batching-sender.js'
import { ipcEndpoint, type MessageEmitter } from '../../../packages/core/src/channel/ipc-endpoint.js'

function endpoint() {
  const emitter = new EventEmitter()
  const received: unknown[] = []
  const { receive } = ipcEndpoint(emitter as MessageEmitter, new BatchingSender(() => true), () => 'worker 1')
  // Two receivers, as during a start (the handshake and the peer): still one listener on the emitter.
  const stopHandshake = receive(() => undefined)
  receive((message) => received.push(message))
  return { emitter, received, stopHandshake }
}

const socket = () => ({ destroy: vi.fn() })
const server = () => ({ close: vi.fn() })

describe('a handle that comes with a message', () => {
  it('is closed, and its forkrpc message dropped (a batch too)', () => {
    const { emitter, received } = endpoint()
    const [withEvent, withBatch] = [socket(), server()]
    emitter.emit('message', { $fr: PROTOCOL_VERSION, t: 'ev', n: 'tick' }, withEvent)
    emitter.emit('message', { $fr: PROTOCOL_VERSION, t: 'b', p: [{ $fr: PROTOCOL_VERSION, t: 'r', i: '1', v: 1 }] }, withBatch)
    expect(withEvent.destroy).toHaveBeenCalledOnce()
    expect(withBatch.close).toHaveBeenCalledOnce()
    expect(received).toEqual([])
  })

  it("is closed with someone else's message when nobody else listens (forkrpc's receivers are one listener)", () => {
    const { emitter, stopHandshake } = endpoint()
    expect(emitter.listenerCount('message')).toBe(1)
    const handle = socket()
    emitter.emit('message', { hello: 'app' }, handle)
    expect(handle.destroy).toHaveBeenCalledOnce()
    stopHandshake()
    expect(emitter.listenerCount('message')).toBe(1)
  })

  it("is left to the app's own listener with the app's message", () => {
    const { emitter } = endpoint()
    const taken: unknown[] = []
    emitter.on('message', (_message: unknown, handle: unknown) => taken.push(handle))
    const handle = socket()
    emitter.emit('message', { hello: 'app' }, handle)
    expect(handle.destroy).not.toHaveBeenCalled()
    expect(taken).toEqual([handle])
  })

  it('does not keep a message from arriving when none comes with it', () => {
    const { emitter, received } = endpoint()
    emitter.emit('message', { $fr: PROTOCOL_VERSION, t: 'r', i: '1', v: 1 })
    expect(received).toEqual([{ $fr: PROTOCOL_VERSION, t: 'r', i: '1', v: 1 }])
  })
})
