/**
 * Shared by the unit tests (no processes): test pairs that are closed after every test,
 * deferreds, and a recorder of the raw messages that arrive on one end of a memory channel.
 */
import { afterEach } from 'vitest'
import type { Contract, Handlers } from '@forkrpc/core'
import { createTestPair, type MemoryChannel, type TestPair, type TestPairOptions } from '@forkrpc/testing'
import { ChannelClosedError } from '@forkrpc/core'
import { PROTOCOL_VERSION } from '@forkrpc/core/channel'

const open = new Set<{ close(): unknown }>()

afterEach(async () => {
  const closing = [...open]
  open.clear()
  for (const item of closing) await item.close()
})

/** A test pair that is closed after the current test, pass or fail. */
export function pairFor<C extends Contract>(contract: C, handlers: Handlers<C>, options?: TestPairOptions<C>): TestPair<C> {
  const pair = createTestPair(contract, handlers, options)
  open.add(pair)
  return pair
}

/** Closes both ends of a memory channel pair after the current test. */
export function closeAfterTest(channel: MemoryChannel): MemoryChannel {
  open.add({ close: () => channel.close((procedure) => new ChannelClosedError('closed by the test', { procedure })) })
  return channel
}

export interface Deferred<T> {
  promise: Promise<T>
  resolve(value: T): void
  reject(reason: unknown): void
}

export function deferred<T = void>(): Deferred<T> {
  let resolve!: (value: T) => void
  let reject!: (reason: unknown) => void
  const promise = new Promise<T>((res, rej) => {
    resolve = res
    reject = rej
  })
  return { promise, resolve, reject }
}

/** Resolves after the current macrotask and everything the memory channel queued before it. */
export function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve))
}

/**
 * Settles with 'pending' when `promise` has not settled by the next macrotask: the memory
 * channel delivers with setImmediate, so a promise that settles "at once" (without waiting
 * for the other side) is settled by then.
 */
export async function stateBeforeNextTurn(promise: Promise<unknown>): Promise<'resolved' | 'rejected' | 'pending'> {
  let state: 'resolved' | 'rejected' | 'pending' = 'pending'
  promise.then(
    () => (state = 'resolved'),
    () => (state = 'rejected'),
  )
  await new Promise((resolve) => setImmediate(resolve))
  return state
}

export type RawMessage = Record<string, unknown>

/** Records every message that arrives on `channel` and waits for the ones a test expects. */
export function recorder(channel: MemoryChannel) {
  const messages: unknown[] = []
  const waiters: Array<{ match: (message: RawMessage) => boolean; resolve: (message: RawMessage) => void }> = []
  channel.receive((message) => {
    messages.push(message)
    for (const waiter of [...waiters]) {
      if (typeof message === 'object' && message !== null && waiter.match(message as RawMessage)) {
        waiters.splice(waiters.indexOf(waiter), 1)
        waiter.resolve(message as RawMessage)
      }
    }
  })
  return {
    messages,
    /** The first message (already received or still to come) that matches. */
    next(match: (message: RawMessage) => boolean): Promise<RawMessage> {
      const seen = messages.find((message) => typeof message === 'object' && message !== null && match(message as RawMessage))
      if (seen !== undefined) return Promise.resolve(seen as RawMessage)
      return new Promise((resolve) => waiters.push({ match, resolve }))
    },
    /** The reply (`r` or `e`) to request `id`. */
    reply(id: string): Promise<RawMessage> {
      return this.next((message) => message.$fr === PROTOCOL_VERSION && (message.t === 'r' || message.t === 'e') && message.i === id)
    },
  }
}

/** The marshalled error of an `e` reply as plain data (`v`, or superjson's `json` part of `x`). */
export function replyPayload(reply: RawMessage): Record<string, unknown> {
  const x = reply.x as { json?: unknown } | undefined
  return (reply.v ?? x?.json) as Record<string, unknown>
}
