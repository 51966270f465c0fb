import { EventEmitter } from 'node:events'
import type { ChildProcess } from 'node:child_process'
import { describe, expect, it, vi } from 'vitest'
// Internal module, tested directly: it is not part of the public surface.
import { holdChildProcess, holdIpcChannel } from '../../../packages/core/src/channel/ipc-hold.js'

/** A child as each runtime gives it: Node's channel has ref()/unref(), Bun's has neither. */
function fakeChild(channel: object) {
  const child = Object.assign(new EventEmitter(), { connected: true, channel, ref: vi.fn(), unref: vi.fn() })
  return child as typeof child & ChildProcess
}

describe('what holds the event loop for a child worker', () => {
  it("uses the IPC channel's ref()/unref() where it has them (Node), and leaves the process handle alone", () => {
    const channel = { ref: vi.fn(), unref: vi.fn() }
    const child = fakeChild(channel)
    holdIpcChannel(child, true)
    holdIpcChannel(child, false)
    expect(channel.ref).toHaveBeenCalledTimes(1)
    expect(channel.unref).toHaveBeenCalledTimes(1)
    expect(child.ref).not.toHaveBeenCalled()
    expect(child.unref).not.toHaveBeenCalled()
  })

  it("holds it with the process handle where the channel has no ref()/unref() (Bun), while calls or the worker's start or stop need it", () => {
    const child = fakeChild({})
    const held = () => (child.ref.mock.invocationCallOrder.at(-1) ?? 0) > (child.unref.mock.invocationCallOrder.at(-1) ?? 0)
    holdChildProcess(child, false) // ready and idle
    expect(held()).toBe(false)
    holdIpcChannel(child, true) // a call in flight
    expect(held()).toBe(true)
    holdIpcChannel(child, false)
    expect(held()).toBe(false)
    holdIpcChannel(child, true)
    holdChildProcess(child, true) // close(): held until the worker is gone
    holdIpcChannel(child, false) // the calls are done, the stop is not
    expect(held()).toBe(true)
  })

  it('holds nothing for calls once the child has disconnected', () => {
    const channel = { ref: vi.fn(), unref: vi.fn() }
    const gone = Object.assign(fakeChild(channel), { connected: false })
    holdIpcChannel(gone, true)
    expect(channel.ref).not.toHaveBeenCalled()
    expect(gone.ref).not.toHaveBeenCalled()
    // Bun: a call in flight held the process handle; the child disconnects, its calls fail.
    const child = fakeChild({})
    holdChildProcess(child, false)
    holdIpcChannel(child, true)
    child.connected = false
    holdIpcChannel(child, true)
    expect(child.unref.mock.invocationCallOrder.at(-1)).toBeGreaterThan(child.ref.mock.invocationCallOrder.at(-1) ?? 0)
  })
})
