/**
 * Model-based property test of what a caller holds while its connection to NATS is down:
 * the caller's channel under core's real client, over a recording stand-in for the
 * connection, on a fake clock. Random calls (with and without deadlines), cancels,
 * notifications, disconnects, reconnects, replies, time passing and a close for good; after
 * every step: nothing was published while the connection was down; what was published is,
 * in order, what the model expects (everything held goes out once, in the order it was
 * written, on the reconnect, with what is left of its deadline; nothing cancelled or expired
 * goes out); every call has settled at most once, and as the model says (TimeoutError for a
 * deadline that passed while held, AbortError for a cancel, InstanceLostError for a call in
 * flight when the connection dropped, TooManyHeldMessagesError past the bound,
 * ChannelClosedError once closed for good); the bound holds. At the end every call has
 * settled exactly once.
 */
import fc from 'fast-check'
import { afterEach, expect, it, vi } from 'vitest'
import { defineContract, event, procedure } from '@forkrpc/core'
import { createClient, PROTOCOL_VERSION, type ClientCore } from '@forkrpc/core/channel'
import type { Msg, NatsConnection } from '@nats-io/transport-node'
import { CallerChannel } from '../../../packages/nats/src/caller-channel.js'

const contract = defineContract({ work: procedure<number, number>() }, { notifications: { note: event<number>() } })
const MAX_HELD = 2
/** Long enough never to judge a call silent within a run: the model has no instance that goes quiet. */
const HEARTBEAT_TIMEOUT = 100_000_000

/** A NatsConnection as far as the caller's channel uses it: it records what is published, and whether the connection was up. */
class RecordingConnection {
  up = true
  closedForGood = false
  readonly published: Array<{ subject: string; body: string; reply: string | undefined; up: boolean }> = []
  inbox: ((error: Error | null, msg: Msg) => void) | undefined
  readonly #status: Array<(type: string) => void> = []
  #resolveClosed: (() => void) | undefined
  readonly #closed = new Promise<void>((resolve) => (this.#resolveClosed = resolve))

  get nc(): NatsConnection {
    return this as unknown as NatsConnection
  }

  subscribe(_subject: string, options: { callback: (error: Error | null, msg: Msg) => void }) {
    this.inbox = options.callback
    return { unsubscribe: () => undefined }
  }

  publish(subject: string, body: string, options?: { reply?: string }): void {
    if (this.closedForGood) throw new Error('closed')
    this.published.push({ subject, body, reply: options?.reply, up: this.up })
  }

  status(): AsyncIterable<{ type: string }> {
    const listeners = this.#status
    return {
      [Symbol.asyncIterator]() {
        const queue: string[] = []
        let wake: (() => void) | undefined
        listeners.push((type) => {
          queue.push(type)
          wake?.()
        })
        return {
          async next() {
            while (queue.length === 0) await new Promise<void>((resolve) => (wake = resolve))
            return { value: { type: queue.shift() as string }, done: false }
          },
        }
      },
    }
  }

  emit(type: 'disconnect' | 'reconnect' | 'close'): void {
    if (type === 'disconnect') this.up = false
    if (type === 'reconnect') this.up = true
    if (type === 'close') {
      this.up = false
      this.closedForGood = true
      this.#resolveClosed?.()
    }
    for (const listener of this.#status) listener(type)
  }

  /** The instance answers call `n` (by its request's reply subject). */
  answer(n: number): void {
    const request = [...this.published].reverse().find((p) => p.subject === 'svc' && JSON.parse(p.body).v === n)
    const data = new TextEncoder().encode(JSON.stringify({ $fr: PROTOCOL_VERSION, t: 'r', i: JSON.parse(request?.body ?? '{}').i, v: n * 2 }))
    this.inbox?.(null, { subject: request?.reply, reply: '_INBOX.instance', data } as unknown as Msg)
  }

  closed(): Promise<void> {
    return this.#closed
  }

  isClosed(): boolean {
    return this.closedForGood
  }

  async flush(): Promise<void> {}
}

type Outcome = 'value' | 'TimeoutError' | 'AbortError' | 'InstanceLostError' | 'TooManyHeldMessagesError' | 'ChannelClosedError'

interface ModelCall {
  readonly n: number
  readonly timeout: number | undefined
  readonly madeAt: number
  state: 'held' | 'sent' | 'done'
  outcome: Outcome | undefined
}

interface Model {
  now: number
  up: boolean
  closed: boolean
  /** What is held, in order: calls and notifications by number. */
  held: Array<{ kind: 'call' | 'note'; n: number }>
  /** What must have been published, in order: `q:<n>:<dl>` and `ev:<n>`. */
  wire: string[]
  calls: ModelCall[]
  next: number
}

interface Real {
  connection: RecordingConnection
  channel: CallerChannel
  client: ClientCore<typeof contract>
  settled: Map<number, Outcome[]>
  aborts: Map<number, AbortController>
}

const outcomeOf = (error: unknown): Outcome => (error as Error).name as Outcome

/** Lets promises, status events and due timers run. */
async function flush(): Promise<void> {
  await vi.advanceTimersByTimeAsync(0)
}

function check(model: Model, real: Real): void {
  expect(real.connection.published.filter((p) => !p.up)).toEqual([])
  const wire = real.connection.published.map((p) => {
    const body = JSON.parse(p.body) as { t: string; v: number; dl?: number }
    return body.t === 'q' ? `q:${body.v}:${body.dl ?? '-'}` : `${body.t}:${body.v}`
  })
  expect(wire).toEqual(model.wire)
  for (const call of model.calls) expect(real.settled.get(call.n) ?? [], `call ${call.n}`).toEqual(call.outcome === undefined ? [] : [call.outcome])
  expect(real.channel.held).toBe(model.held.length)
  expect(real.channel.held).toBeLessThanOrEqual(MAX_HELD)
}

class Call implements fc.AsyncCommand<Model, Real> {
  constructor(readonly timeout: number | undefined) {}
  check = () => true
  async run(model: Model, real: Real): Promise<void> {
    const n = model.next++
    const call: ModelCall = { n, timeout: this.timeout, madeAt: model.now, state: 'done', outcome: undefined }
    model.calls.push(call)
    if (model.closed) call.outcome = 'ChannelClosedError'
    else if (model.up) {
      call.state = 'sent'
      model.wire.push(`q:${n}:${this.timeout ?? '-'}`)
    } else if (model.held.length < MAX_HELD) {
      call.state = 'held'
      model.held.push({ kind: 'call', n })
    } else call.outcome = 'TooManyHeldMessagesError'
    const abort = new AbortController()
    real.aborts.set(n, abort)
    real.client.call.work(n, { timeout: this.timeout, signal: abort.signal }).then(
      () => real.settled.set(n, [...(real.settled.get(n) ?? []), 'value']),
      (error: unknown) => real.settled.set(n, [...(real.settled.get(n) ?? []), outcomeOf(error)]),
    )
    await flush()
    check(model, real)
  }
  toString = () => `call(timeout ${this.timeout})`
}

class Cancel implements fc.AsyncCommand<Model, Real> {
  constructor(readonly pick: number) {}
  check = (model: Readonly<Model>) => model.calls.some((call) => call.state !== 'done')
  async run(model: Model, real: Real): Promise<void> {
    const open = model.calls.filter((call) => call.state !== 'done')
    const call = open[this.pick % open.length] as ModelCall
    if (call.state === 'held') model.held = model.held.filter((h) => !(h.kind === 'call' && h.n === call.n))
    call.state = 'done'
    call.outcome = 'AbortError'
    real.aborts.get(call.n)?.abort()
    await flush()
    check(model, real)
  }
  toString = () => `cancel(${this.pick})`
}

class Notify implements fc.AsyncCommand<Model, Real> {
  check = () => true
  async run(model: Model, real: Real): Promise<void> {
    const n = model.next++
    let thrown: string | undefined
    try {
      real.client.notify('note', n)
    } catch (error) {
      thrown = outcomeOf(error)
    }
    if (model.closed) expect(thrown).toBe('ChannelClosedError')
    else if (model.up) {
      expect(thrown).toBeUndefined()
      model.wire.push(`ev:${n}`)
    } else if (model.held.length < MAX_HELD) {
      expect(thrown).toBeUndefined()
      model.held.push({ kind: 'note', n })
    } else expect(thrown).toBe('TooManyHeldMessagesError')
    await flush()
    check(model, real)
  }
  toString = () => 'notify'
}

class Disconnect implements fc.AsyncCommand<Model, Real> {
  check = (model: Readonly<Model>) => model.up && !model.closed
  async run(model: Model, real: Real): Promise<void> {
    model.up = false
    for (const call of model.calls) {
      if (call.state !== 'sent') continue
      call.state = 'done'
      call.outcome = 'InstanceLostError'
    }
    real.connection.emit('disconnect')
    await flush()
    check(model, real)
  }
  toString = () => 'disconnect'
}

class Reconnect implements fc.AsyncCommand<Model, Real> {
  check = (model: Readonly<Model>) => !model.up && !model.closed
  async run(model: Model, real: Real): Promise<void> {
    model.up = true
    for (const held of model.held) {
      if (held.kind === 'note') {
        model.wire.push(`ev:${held.n}`)
        continue
      }
      const call = model.calls.find((c) => c.n === held.n) as ModelCall
      call.state = 'sent'
      // Sent with what is left of its deadline: the time held counted.
      model.wire.push(`q:${call.n}:${call.timeout === undefined ? '-' : call.timeout - (model.now - call.madeAt)}`)
    }
    model.held = []
    real.connection.emit('reconnect')
    await flush()
    check(model, real)
  }
  toString = () => 'reconnect'
}

class Answer implements fc.AsyncCommand<Model, Real> {
  constructor(readonly pick: number) {}
  check = (model: Readonly<Model>) => model.up && !model.closed && model.calls.some((call) => call.state === 'sent')
  async run(model: Model, real: Real): Promise<void> {
    const sent = model.calls.filter((call) => call.state === 'sent')
    const call = sent[this.pick % sent.length] as ModelCall
    call.state = 'done'
    call.outcome = 'value'
    real.connection.answer(call.n)
    await flush()
    check(model, real)
  }
  toString = () => `answer(${this.pick})`
}

class Advance implements fc.AsyncCommand<Model, Real> {
  constructor(readonly ms: number) {}
  check = () => true
  async run(model: Model, real: Real): Promise<void> {
    model.now += this.ms
    for (const call of model.calls) {
      if (call.state === 'done' || call.timeout === undefined || call.madeAt + call.timeout > model.now) continue
      // Its deadline passed: held, it is dropped and never sent; sent, the instance hears a cancel.
      if (call.state === 'held') model.held = model.held.filter((h) => !(h.kind === 'call' && h.n === call.n))
      call.state = 'done'
      call.outcome = 'TimeoutError'
    }
    await vi.advanceTimersByTimeAsync(this.ms)
    check(model, real)
  }
  toString = () => `advance(${this.ms})`
}

class CloseForGood implements fc.AsyncCommand<Model, Real> {
  check = (model: Readonly<Model>) => !model.closed
  async run(model: Model, real: Real): Promise<void> {
    model.closed = true
    model.up = false
    for (const call of model.calls) {
      if (call.state === 'done') continue
      call.state = 'done'
      call.outcome = 'ChannelClosedError'
    }
    model.held = []
    real.connection.emit('close')
    await flush()
    check(model, real)
  }
  toString = () => 'close for good'
}

const commands = [
  fc.oneof(
    { weight: 6, arbitrary: fc.option(fc.integer({ min: 50, max: 1_000 }), { nil: undefined }).map((timeout): fc.AsyncCommand<Model, Real> => new Call(timeout)) },
    { weight: 2, arbitrary: fc.nat().map((pick): fc.AsyncCommand<Model, Real> => new Cancel(pick)) },
    { weight: 2, arbitrary: fc.constant<fc.AsyncCommand<Model, Real>>(new Notify()) },
    { weight: 2, arbitrary: fc.constant<fc.AsyncCommand<Model, Real>>(new Disconnect()) },
    { weight: 2, arbitrary: fc.constant<fc.AsyncCommand<Model, Real>>(new Reconnect()) },
    { weight: 3, arbitrary: fc.nat().map((pick): fc.AsyncCommand<Model, Real> => new Answer(pick)) },
    { weight: 3, arbitrary: fc.integer({ min: 1, max: 400 }).map((ms): fc.AsyncCommand<Model, Real> => new Advance(ms)) },
    { weight: 1, arbitrary: fc.constant<fc.AsyncCommand<Model, Real>>(new CloseForGood()) },
  ),
]

afterEach(() => {
  vi.useRealTimers()
})

it('holds what a caller writes while its connection is down, bounded, and sends it once, in order, when it is back', async () => {
  await fc.assert(
    fc.asyncProperty(fc.commands(commands, { maxCommands: 40 }), async (cmds) => {
      vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'setImmediate', 'clearImmediate', 'Date'], now: 0 })
      const connection = new RecordingConnection()
      const channel = new CallerChannel({ connection: connection.nc, contract, subject: 'svc', heartbeatTimeout: HEARTBEAT_TIMEOUT, maxHeldMessages: MAX_HELD, maxHeldBytes: 1 << 20 })
      const real: Real = { connection, channel, client: createClient(contract, channel), settled: new Map(), aborts: new Map() }
      const model: Model = { now: 0, up: true, closed: false, held: [], wire: [], calls: [], next: 0 }
      try {
        await fc.asyncModelRun(() => ({ model, real }), cmds)
        // In the end every call settles exactly once: the connection comes back, the instance answers, deadlines pass.
        if (!model.closed && !model.up) await new Reconnect().run(model, real)
        while (!model.closed && model.calls.some((call) => call.state === 'sent')) await new Answer(0).run(model, real)
        await new Advance(1_000).run(model, real)
        for (const call of model.calls) expect(real.settled.get(call.n), `call ${call.n}`).toHaveLength(1)
      } finally {
        vi.useRealTimers()
      }
    }),
    { numRuns: 300 },
  )
})
