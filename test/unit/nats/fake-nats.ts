/**
 * An in-memory stand-in for a NatsConnection, enough for the NATS channels' unit tests:
 * subjects with a `*` last token, queue groups (the first member takes the message), reply
 * subjects, the 503 "no responders" status for a message with a reply subject that nobody
 * hears, and status events the test emits. Deliveries are asynchronous, in order.
 */
import type { Msg, NatsConnection, Subscription } from '@nats-io/transport-node'

interface FakeSub {
  subject: string
  queue: string | undefined
  callback: (error: Error | null, msg: Msg) => void
  closed: boolean
}

export interface Published {
  subject: string
  reply: string | undefined
  body: string
}

const decoder = new TextDecoder()

export class FakeBroker {
  readonly subs: FakeSub[] = []
  readonly published: Published[] = []

  connection(maxPayload = 1024 * 1024): FakeConnection {
    return new FakeConnection(this, maxPayload)
  }

  deliver(subject: string, data: Uint8Array, reply: string | undefined, headers?: { code: number }): void {
    this.published.push({ subject, reply, body: decoder.decode(data) })
    const matching = this.subs.filter((sub) => !sub.closed && matches(sub.subject, subject))
    const chosen = [...matching.filter((sub) => sub.queue === undefined)]
    const queued = matching.find((sub) => sub.queue !== undefined)
    if (queued !== undefined) chosen.push(queued)
    if (chosen.length === 0) {
      if (reply !== undefined && headers === undefined) setImmediate(() => this.deliver(reply, new Uint8Array(), undefined, { code: 503 }))
      return
    }
    for (const sub of chosen) {
      const msg = { subject, reply, data, headers, sid: 0, json: () => JSON.parse(decoder.decode(data)), string: () => decoder.decode(data), respond: () => false } as unknown as Msg
      setImmediate(() => sub.callback(null, msg))
    }
  }
}

function matches(pattern: string, subject: string): boolean {
  if (pattern.endsWith('.*')) {
    const prefix = pattern.slice(0, -1)
    return subject.startsWith(prefix) && !subject.slice(prefix.length).includes('.')
  }
  return pattern === subject
}

export class FakeConnection {
  readonly info: { max_payload: number }
  readonly #broker: FakeBroker
  readonly #statusListeners: Array<(status: { type: string }) => void> = []
  #closed = false

  constructor(broker: FakeBroker, maxPayload: number) {
    this.#broker = broker
    this.info = { max_payload: maxPayload }
  }

  /** As a NatsConnection, for the code under test. */
  get nc(): NatsConnection {
    return this as unknown as NatsConnection
  }

  subscribe(subject: string, options: { queue?: string; callback: (error: Error | null, msg: Msg) => void }): Subscription {
    const sub: FakeSub = { subject, queue: options.queue, callback: options.callback, closed: false }
    this.#broker.subs.push(sub)
    return { unsubscribe: () => void (sub.closed = true), drain: async () => void (sub.closed = true), isClosed: () => sub.closed } as unknown as Subscription
  }

  publish(subject: string, payload: string | Uint8Array = new Uint8Array(), options?: { reply?: string }): void {
    if (this.#closed) throw new Error('closed')
    const data = typeof payload === 'string' ? new TextEncoder().encode(payload) : payload
    this.#broker.deliver(subject, data, options?.reply === '' ? undefined : options?.reply)
  }

  status(): AsyncIterable<{ type: string }> {
    const listeners = this.#statusListeners
    return {
      [Symbol.asyncIterator]() {
        const queue: Array<{ type: string }> = []
        let wake: (() => void) | undefined
        listeners.push((status) => {
          queue.push(status)
          wake?.()
        })
        return {
          async next() {
            while (queue.length === 0) await new Promise<void>((resolve) => (wake = resolve))
            return { value: queue.shift() as { type: string }, done: false }
          },
        }
      },
    }
  }

  /** Makes the channels hear a status event ('disconnect', 'reconnect'). */
  emit(type: string): void {
    for (const listener of this.#statusListeners) listener({ type })
  }

  closed(): Promise<void> {
    return new Promise(() => {})
  }

  isClosed(): boolean {
    return this.#closed
  }

  async flush(): Promise<void> {}
}

/** Resolves after `turns` rounds of setImmediate: the fake broker's deliveries are done. */
export async function settle(turns = 5): Promise<void> {
  for (let i = 0; i < turns; i++) await new Promise((resolve) => setImmediate(resolve))
}
