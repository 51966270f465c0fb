import { describe, expect, it } from 'vitest'
import { ChannelClosedError, defineContract, event, procedure, SerializationError } from '@forkrpc/core'
import { createRouter } from '@forkrpc/core/channel'
import { createMemoryChannelPair } from '@forkrpc/testing'
import { deferred, nextTurn, pairFor } from '../support.js'

const contract = defineContract(
  { label: procedure<void, string>() },
  { notifications: { rename: event<{ label: string; at: Date }>(), ping: event(), ignored: event<number>() } },
)

function setup() {
  let label = 'initial'
  const renamed = deferred<Date>()
  const pair = pairFor(
    contract,
    { label: () => label },
    {
      notifications: {
        rename: ({ label: next, at }) => {
          label = next
          renamed.resolve(at)
        },
      },
    },
  )
  return { pair, renamed: renamed.promise }
}

describe('notifications from the parent to the child', () => {
  it('worker.notify reaches the handler in the child, typed, with exact values', async () => {
    const { pair, renamed } = setup()
    pair.notify('rename', { label: 'renamed', at: new Date(Date.UTC(2025, 0, 1)) })
    expect((await renamed).toISOString()).toBe('2025-01-01T00:00:00.000Z')
    expect(await pair.call.label()).toBe('renamed')
  })

  it('arrives in order with calls: a call made after a notification sees its effect', async () => {
    const { pair } = setup()
    pair.notify('rename', { label: 'first', at: new Date() })
    expect(await pair.call.label()).toBe('first')
  })

  it('a notification without a handler is dropped and the worker goes on', async () => {
    const { pair } = setup()
    pair.notify('ignored', 42)
    pair.notify('ping')
    await nextTurn()
    expect(await pair.call.label()).toBe('initial')
  })

  it('refuses undeclared names, unsendable payloads, and a closed worker', async () => {
    const { pair } = setup()
    expect(() => (pair.notify as (name: string, payload: unknown) => void)('nope', 1)).toThrow(/not a notification of the contract/)
    expect(() => pair.notify('rename', { label: 'x', at: new Date(), extra: () => 1 } as never)).toThrow(SerializationError)
    await pair.close()
    expect(() => pair.notify('ping')).toThrow(ChannelClosedError)
  })

  it('serve() refuses handlers of notifications the contract does not declare', () => {
    const { child } = createMemoryChannelPair()
    expect(() => createRouter(contract, { label: () => '' }, child, { notifications: { nope: () => {} } as never })).toThrow(/"nope" is not a notification/)
  })
})
