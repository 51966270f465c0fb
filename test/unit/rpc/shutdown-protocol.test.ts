import { describe, expect, it, vi } from 'vitest'
import { AbortError, ChannelClosedError, defineContract, procedure } from '@forkrpc/core'
import { createClient, createRouter, PROTOCOL_VERSION } from '@forkrpc/core/channel'
import { createMemoryChannelPair } from '@forkrpc/testing'
// Internal: the worker's handling of lifecycle messages, which serve() puts on its peer.
import { WorkerLifecycle } from '../../../packages/core/src/serve/worker-lifecycle.js'
import { closeAfterTest, deferred, nextTurn, recorder, replyPayload } from '../support.js'

const contract = defineContract({
  add: procedure<{ a: number; b: number }, number>(),
  wait: procedure<void, string>(),
})

function setup() {
  const { parent, child } = createMemoryChannelPair('json')
  closeAfterTest(parent)
  const gate = deferred<string>()
  let signal: AbortSignal | undefined
  const router = createRouter(
    contract,
    {
      add: ({ a, b }) => a + b,
      wait: (_input, ctx) => {
        signal = ctx.signal
        return gate.promise
      },
    },
    child,
  )
  return { parent, child, router, gate, signal: () => signal, received: recorder(parent) }
}

describe('the shutdown and done messages', () => {
  it("the parent's `s` message reaches the worker's shutdown, and nothing else does", () => {
    const onShutdownRequest = vi.fn()
    const { child } = createMemoryChannelPair('json')
    const lifecycle = new WorkerLifecycle(contract, child, { shutdownRequested: onShutdownRequest })
    lifecycle.handle({ $fr: PROTOCOL_VERSION, t: 'hq' })
    expect(onShutdownRequest).not.toHaveBeenCalled()
    lifecycle.handle({ $fr: PROTOCOL_VERSION, t: 's' })
    expect(onShutdownRequest).toHaveBeenCalledOnce()
  })

  it('once refusing, the router answers requests with ChannelClosedError instead of running them', async () => {
    const { parent, router, received } = setup()
    router.refuse('The worker is shutting down')
    parent.send({ $fr: PROTOCOL_VERSION, t: 'q', i: 'a1', m: 'add', v: { a: 1, b: 2 } })
    const reply = await received.next((message) => message.i === 'a1')
    expect(reply.t).toBe('e')
    expect(replyPayload(reply)).toMatchObject({ message: 'The worker is shutting down; call "add" was not run' })
  })

  it("abortAll aborts a handler's signal but still sends its outcome (the caller is waiting)", async () => {
    const { parent, router, gate, signal, received } = setup()
    parent.send({ $fr: PROTOCOL_VERSION, t: 'q', i: 'w1', m: 'wait' })
    await nextTurn()
    router.abortAll((procedure) => new AbortError('shutting down', { procedure }))
    expect(signal()?.aborted).toBe(true)
    gate.resolve('finished anyway')
    const reply = await received.next((message) => message.i === 'w1')
    expect(reply).toMatchObject({ t: 'r', v: 'finished anyway' })
  })

  it('a cancelled handler that settles later sends `d`, which frees its slot in the client', async () => {
    const { parent, child } = createMemoryChannelPair('json')
    closeAfterTest(parent)
    const gate = deferred<string>()
    createRouter(contract, { add: ({ a, b }) => a + b, wait: () => gate.promise }, child)
    const client = createClient(contract, parent)
    const controller = new AbortController()
    const call = client.call.wait(undefined, { signal: controller.signal })
    await nextTurn()
    controller.abort(new Error('stop'))
    await expect(call).rejects.toThrow('stop')
    expect(client.pending).toBe(0)
    expect(client.lingering.size).toBe(1) // the handler ignores its signal and still runs
    gate.resolve('late')
    await nextTurn()
    await nextTurn()
    expect(client.lingering.size).toBe(0)
  })

  it('a channel that closes clears the lingering calls', async () => {
    const { parent, child } = createMemoryChannelPair('json')
    createRouter(contract, { add: ({ a, b }) => a + b, wait: () => new Promise(() => {}) }, child)
    const client = createClient(contract, parent)
    const call = client.call.wait(undefined, { timeout: 10 })
    await expect(call).rejects.toMatchObject({ name: 'TimeoutError' })
    expect(client.lingering.size).toBe(1)
    parent.close((procedure) => new ChannelClosedError('gone', { procedure }))
    await nextTurn()
    expect(client.lingering.size).toBe(0)
  })
})
