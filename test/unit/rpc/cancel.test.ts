import { describe, expect, it, vi } from 'vitest'
import { z } from 'zod'
import { AbortError, defineContract, procedure, type HandlerContext } from '@forkrpc/core'
import { deferred, pairFor, stateBeforeNextTurn } from '../support.js'

const contract = defineContract({
  hang: procedure<string, never>(),
  add: procedure<{ a: number; b: number }, number>(),
  checked: procedure({ input: z.object({ n: z.number() }), output: z.number() }),
})

/** Handlers whose `hang` reports when it starts and the reason its signal aborts with. */
function setup() {
  const started = deferred<AbortSignal>()
  const aborted = deferred<unknown>()
  const handlers = {
    hang: vi.fn((_tag: string, { signal }: HandlerContext) => {
      signal.addEventListener('abort', () => aborted.resolve(signal.reason), { once: true })
      started.resolve(signal)
      return new Promise<never>(() => {})
    }),
    add: vi.fn(({ a, b }: { a: number; b: number }) => a + b),
    checked: vi.fn(({ n }: { n: number }) => n * 2),
  }
  return { pair: pairFor(contract, handlers), handlers, started: started.promise, aborted: aborted.promise }
}

describe('cancelling with an AbortSignal', () => {
  it("rejects the call at once with the signal's reason", async () => {
    const { pair, started } = setup()
    const controller = new AbortController()
    const call = pair.call.hang('a', { signal: controller.signal })
    await started
    controller.abort()
    expect(await stateBeforeNextTurn(call)).toBe('rejected')
    const error = await call.catch((e: unknown) => e)
    expect(error).toBe(controller.signal.reason)
    expect((error as DOMException).name).toBe('AbortError')
  })

  it('rejects with a custom reason object, as it is', async () => {
    const { pair, started } = setup()
    const controller = new AbortController()
    const reason = { why: 'user clicked stop' }
    const call = pair.call.hang('a', { signal: controller.signal })
    await started
    controller.abort(reason)
    await expect(call).rejects.toBe(reason)
  })

  it("aborts the handler's ctx.signal with an AbortError", async () => {
    const { pair, started, aborted } = setup()
    const controller = new AbortController()
    const call = pair.call.hang('a', { signal: controller.signal })
    const handlerSignal = await started
    expect(handlerSignal.aborted).toBe(false)
    controller.abort(new Error('caller reason'))
    await expect(call).rejects.toThrow('caller reason')
    const reason = (await aborted) as AbortError
    expect(reason).toBeInstanceOf(AbortError)
    expect(reason.code).toBe('ERR_FORKRPC_ABORTED')
    expect(reason.procedure).toBe('hang')
    expect(handlerSignal.aborted).toBe(true)
  })

  it('rejects with an already-aborted signal without the handler ever running', async () => {
    const { pair, handlers } = setup()
    const reason = new Error('aborted before the call')
    const call = pair.call.add({ a: 1, b: 2 }, { signal: AbortSignal.abort(reason) })
    await expect(call).rejects.toBe(reason)
    await expect(pair.call.add({ a: 3, b: 4 })).resolves.toBe(7)
    expect(handlers.add).toHaveBeenCalledTimes(1)
    expect(handlers.add.mock.calls[0]?.[0]).toEqual({ a: 3, b: 4 })
  })

  it('rejects a schema procedure whose signal aborts during validation, without the handler running', async () => {
    const { pair, handlers } = setup()
    const controller = new AbortController()
    const call = pair.call.checked({ n: 1 }, { signal: controller.signal })
    controller.abort('during validation')
    await expect(call).rejects.toBe('during validation')
    await expect(pair.call.checked({ n: 5 })).resolves.toBe(10)
    expect(handlers.checked).toHaveBeenCalledTimes(1)
  })

  it('rejects every call that shares the signal', async () => {
    const { pair } = setup()
    const controller = new AbortController()
    const calls = [pair.call.hang('a', { signal: controller.signal }), pair.call.hang('b', { signal: controller.signal })]
    controller.abort('all of them')
    for (const call of calls) await expect(call).rejects.toBe('all of them')
  })

  it('changes nothing when the signal aborts after the call settled', async () => {
    const signals: AbortSignal[] = []
    const pair = pairFor(contract, {
      hang: () => new Promise<never>(() => {}),
      add: ({ a, b }, { signal }) => {
        signals.push(signal)
        return a + b
      },
      checked: ({ n }) => n,
    })
    const controller = new AbortController()
    const removeListener = vi.spyOn(controller.signal, 'removeEventListener')
    const call = pair.call.add({ a: 1, b: 2 }, { signal: controller.signal })
    await expect(call).resolves.toBe(3)
    // The call let go of the signal when it settled.
    expect(removeListener).toHaveBeenCalledWith('abort', expect.any(Function))
    controller.abort('too late')
    await expect(call).resolves.toBe(3)
    await expect(pair.call.add({ a: 2, b: 3 })).resolves.toBe(5)
    expect(signals[0]?.aborted).toBe(false)
    expect(pair.inFlight).toBe(0)
  })

  it('drops the late result of a cancelled handler and keeps the pair working', async () => {
    const release = deferred<never>()
    const started = deferred()
    const pair = pairFor(contract, {
      hang: () => {
        started.resolve()
        return release.promise
      },
      add: ({ a, b }) => a + b,
      checked: ({ n }) => n,
    })
    const controller = new AbortController()
    const call = pair.call.hang('x', { signal: controller.signal })
    await started.promise
    controller.abort('cancelled')
    await expect(call).rejects.toBe('cancelled')
    release.reject(new Error('late failure'))
    await expect(pair.call.add({ a: 1, b: 1 })).resolves.toBe(2)
    expect(pair.inFlight).toBe(0)
  })
})

describe('closing the pair', () => {
  it("aborts running handlers' ctx.signal with an AbortError", async () => {
    const { pair, started, aborted } = setup()
    const call = pair.call.hang('a').catch((e: unknown) => e)
    await started
    await pair.close()
    expect(await aborted).toBeInstanceOf(AbortError)
    expect(await call).toMatchObject({ code: 'ERR_FORKRPC_CHANNEL_CLOSED' })
  })
})

describe('one AbortSignal shared by many calls', () => {
  it('rejects them all with one listener on the signal, so Node warns about no leak', async () => {
    const { pair } = setup()
    const warnings: Error[] = []
    const onWarning = (warning: Error): void => void warnings.push(warning)
    process.on('warning', onWarning)
    try {
      const controller = new AbortController()
      const calls = Array.from({ length: 50 }, (_, i) => pair.call.hang(`call ${i}`, { signal: controller.signal }).catch((e: unknown) => e))
      const settledEarly = await pair.call.add({ a: 1, b: 1 }, { signal: controller.signal })
      expect(settledEarly).toBe(2)
      controller.abort('stop them all')
      expect(await Promise.all(calls)).toEqual(Array.from({ length: 50 }, () => 'stop them all'))
      await new Promise((resolve) => setImmediate(resolve))
      expect(warnings.filter((warning) => warning.name === 'MaxListenersExceededWarning')).toEqual([])
    } finally {
      process.off('warning', onWarning)
    }
  })
})
