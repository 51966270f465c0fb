import { describe, expect, it } from 'vitest'
import {
  AbortError,
  ChannelClosedError,
  defineContract,
  ForkRpcError,
  procedure,
  SerializationError,
  TimeoutError,
  UnknownProcedureError,
  ValidationError,
  type Serialization,
} from '@forkrpc/core'
import { pairFor } from '../support.js'

class ParseError extends Error {
  override name = 'ParseError'
  readonly code = 'E_PARSE'
  constructor(
    message: string,
    readonly line: number,
    options?: ErrorOptions,
  ) {
    super(message, options)
  }
}

/** Registered, but sets no `name` of its own (as in the defineContract doc example). */
class QuietError extends Error {}

class Unregistered extends Error {
  override name = 'Unregistered'
  readonly detail = { at: [1, 2] }
}

/** Not registered, and named like one of the library's classes. */
class NotTheLibrarysTimeoutError extends Error {
  override name = 'TimeoutError'
}

const contract = defineContract(
  {
    fail: procedure<string, never>(),
    ok: procedure<void, string>(),
  },
  { errors: [ParseError, QuietError] },
)

const throwers: Record<string, () => never> = {
  parse() {
    throw new ParseError('bad token', 3, { cause: new TypeError('inner', { cause: new RangeError('deepest') }) })
  },
  quiet() {
    throw new QuietError('shh')
  },
  unregistered() {
    throw new Unregistered('who am I')
  },
  impostor() {
    throw new NotTheLibrarysTimeoutError('not really')
  },
  aggregate() {
    throw new AggregateError([new TypeError('first'), new ParseError('second', 7), 'third'], 'many things')
  },
  string() {
    throw 'a string'
  },
  object() {
    throw { code: 42, detail: 'plain', nested: [1, { deep: true }] }
  },
  number() {
    throw 7
  },
  null() {
    throw null
  },
  undefined() {
    throw undefined
  },
  type() {
    throw new TypeError('wrong type')
  },
  range() {
    throw new RangeError('out of range')
  },
  plain() {
    throw new Error('plain', { cause: 'just a string' })
  },
  timeout() {
    throw new TimeoutError('Call "x" timed out after 5 ms', { procedure: 'x', timeout: 5 })
  },
  closed() {
    throw new ChannelClosedError('The worker was closed; call "y" was not sent', { procedure: 'y' })
  },
  unknown() {
    throw new UnknownProcedureError('The worker does not serve a procedure named "zz"', { procedure: 'zz' })
  },
  validation() {
    throw new ValidationError('Invalid output for "v": a.0: Expected number', { procedure: 'v', direction: 'output', issues: [{ message: 'Expected number', path: ['a', 0] }] })
  },
  abort() {
    throw new AbortError('Call "w" was cancelled by the caller', { procedure: 'w' })
  },
  unsendableProperty() {
    const error = new Error('has a function') as Error & { fn?: unknown; ok?: unknown }
    error.fn = () => 1
    error.ok = 'kept'
    throw error
  },
  selfCause() {
    const error = new Error('loops')
    ;(error as { cause?: unknown }).cause = error
    throw error
  },
}

function handlerThatThrowsForTheStackTest(): never {
  throw new ParseError('with a stack', 1)
}

function makePair(serialization: Serialization = 'json') {
  return pairFor(
    contract,
    {
      fail: (kind) => {
        if (kind === 'stack') return handlerThatThrowsForTheStackTest()
        const thrower = throwers[kind]
        if (thrower === undefined) throw new Error(`no thrower ${kind}`)
        return thrower()
      },
      ok: async () => 'fine',
    },
    { serialization },
  )
}

async function thrown(kind: string, serialization: Serialization = 'json'): Promise<unknown> {
  const pair = makePair(serialization)
  const result = await pair.call.fail(kind).then(
    () => ({ resolved: true }),
    (error: unknown) => ({ resolved: false, error }),
  )
  expect(result.resolved).toBe(false)
  await expect(pair.call.ok()).resolves.toBe('fine')
  return (result as { error: unknown }).error
}

describe.each(['json', 'advanced'] as const)('errors thrown by a handler (%s channel)', (serialization) => {
  it('come back as the registered class, with message, name, code, own properties and cause chain', async () => {
    const error = (await thrown('parse', serialization)) as ParseError
    expect(error).toBeInstanceOf(ParseError)
    expect(error).toBeInstanceOf(Error)
    expect(error.message).toBe('bad token')
    expect(error.name).toBe('ParseError')
    expect(error.code).toBe('E_PARSE')
    expect(error.line).toBe(3)
    const cause = error.cause as TypeError & { cause?: unknown }
    expect(cause).toBeInstanceOf(TypeError)
    expect(cause.message).toBe('inner')
    expect(cause.cause).toBeInstanceOf(RangeError)
    expect((cause.cause as RangeError).message).toBe('deepest')
  })

  it('come back as the registered class when it sets no name of its own', async () => {
    const error = (await thrown('quiet', serialization)) as QuietError
    expect(error).toBeInstanceOf(QuietError)
    expect(error.message).toBe('shh')
  })

  it('come back as an Error with the original name when the class is not registered', async () => {
    const error = (await thrown('unregistered', serialization)) as Error & { detail?: unknown }
    expect(error).toBeInstanceOf(Error)
    expect(error).not.toBeInstanceOf(Unregistered)
    expect(error.name).toBe('Unregistered')
    expect(error.message).toBe('who am I')
    expect(error.detail).toEqual({ at: [1, 2] })
  })

  it("do not become the library's class because of their name alone", async () => {
    const error = (await thrown('impostor', serialization)) as Error
    expect(error).not.toBeInstanceOf(TimeoutError)
    expect(error).not.toBeInstanceOf(ForkRpcError)
    expect(error.name).toBe('TimeoutError')
    expect(error.message).toBe('not really')
  })

  it('keep the errors of an AggregateError', async () => {
    const error = (await thrown('aggregate', serialization)) as AggregateError
    expect(error).toBeInstanceOf(AggregateError)
    expect(error.message).toBe('many things')
    expect(error.errors).toHaveLength(3)
    expect(error.errors[0]).toBeInstanceOf(TypeError)
    expect((error.errors[0] as Error).message).toBe('first')
    expect(error.errors[1]).toBeInstanceOf(ParseError)
    expect((error.errors[1] as ParseError).line).toBe(7)
    expect(error.errors[2]).toBe('third')
  })

  it('come back as the thrown string', async () => {
    expect(await thrown('string', serialization)).toBe('a string')
  })

  it('come back as the thrown plain object', async () => {
    expect(await thrown('object', serialization)).toStrictEqual({ code: 42, detail: 'plain', nested: [1, { deep: true }] })
  })

  it.each([
    ['number', 7],
    ['null', null],
    ['undefined', undefined],
  ])('come back as the thrown %s', async (kind, value) => {
    expect(await thrown(kind, serialization)).toBe(value)
  })

  it.each([
    ['type', TypeError, 'wrong type'],
    ['range', RangeError, 'out of range'],
  ] as const)('come back as the built-in class (%s)', async (kind, ErrorClass, message) => {
    const error = (await thrown(kind, serialization)) as Error
    expect(error).toBeInstanceOf(ErrorClass)
    expect(error.name).toBe(ErrorClass.name)
    expect(error.message).toBe(message)
  })

  it('keep a cause that is not an Error', async () => {
    const error = (await thrown('plain', serialization)) as Error
    expect(error).toBeInstanceOf(Error)
    expect(error.cause).toBe('just a string')
  })

  it("come back as the library's own class when they are forkrpc errors", async () => {
    const timeout = (await thrown('timeout', serialization)) as TimeoutError
    expect(timeout).toBeInstanceOf(TimeoutError)
    expect(timeout).toBeInstanceOf(ForkRpcError)
    expect(timeout.name).toBe('TimeoutError')
    expect(timeout.code).toBe('ERR_FORKRPC_TIMEOUT')
    expect(timeout.procedure).toBe('x')
    expect(timeout.timeout).toBe(5)
    expect(timeout.message).toBe('Call "x" timed out after 5 ms')

    const closed = (await thrown('closed', serialization)) as ChannelClosedError
    expect(closed).toBeInstanceOf(ChannelClosedError)
    expect(closed.code).toBe('ERR_FORKRPC_CHANNEL_CLOSED')
    expect(closed.procedure).toBe('y')

    const unknown = (await thrown('unknown', serialization)) as UnknownProcedureError
    expect(unknown).toBeInstanceOf(UnknownProcedureError)
    expect(unknown.procedure).toBe('zz')

    const abort = (await thrown('abort', serialization)) as AbortError
    expect(abort).toBeInstanceOf(AbortError)
    expect(abort.code).toBe('ERR_FORKRPC_ABORTED')

    const validation = (await thrown('validation', serialization)) as ValidationError
    expect(validation).toBeInstanceOf(ValidationError)
    expect(validation.direction).toBe('output')
    expect(validation.issues).toEqual([{ message: 'Expected number', path: ['a', 0] }])
  })

  it('still arrive when they carry a property that cannot be sent', async () => {
    const error = (await thrown('unsendableProperty', serialization)) as Error & { fn?: unknown; ok?: unknown }
    expect(error).toBeInstanceOf(Error)
    expect(error).not.toBeInstanceOf(SerializationError)
    expect(error.message).toBe('has a function')
    expect(error.ok).toBe('kept')
    expect(typeof error.fn).toBe('string')
  })

  it('still arrive when their cause chain loops', async () => {
    const error = (await thrown('selfCause', serialization)) as Error
    expect(error).toBeInstanceOf(Error)
    expect(error.message).toBe('loops')
  })

  it("carry a stack with both the handler's and the caller's frames", async () => {
    const pair = makePair(serialization)
    // The handler runs on a later turn (the channel delivers asynchronously), so this
    // function can only be in the stack if the caller's frames were joined to it.
    async function callerThatMakesTheFailingCall(): Promise<unknown> {
      try {
        return await pair.call.fail('stack')
      } catch (error) {
        return error
      }
    }
    const error = (await callerThatMakesTheFailingCall()) as Error
    expect(error).toBeInstanceOf(ParseError)
    const stack = error.stack ?? ''
    expect(stack).toMatch(/^ParseError: with a stack\n/)
    const handlerFrame = stack.indexOf('handlerThatThrowsForTheStackTest')
    const callerFrame = stack.search(/at (async )?callerThatMakesTheFailingCall/)
    expect(handlerFrame).toBeGreaterThan(0)
    expect(callerFrame).toBeGreaterThan(handlerFrame)
    expect(stack.slice(callerFrame)).toContain('error-marshalling.test.ts')
  })
})
