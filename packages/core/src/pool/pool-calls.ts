/**
 * What `pool.call.x()` does: checks the call's options (a worker call's, then `priority` and
 * `key`), refuses it if the pool cannot take it (closed, aborted signal, crash loop with no
 * worker left), and hands it to the dispatcher as a task: a procedure's or an input stream's
 * call settles with its promise, a stream's is a `PoolStream` that submits on its first
 * `next()`. The pool's `call` interceptors run here, once per call, around all of it.
 */
import type { AnyDeclaration } from '../contract/define-contract.js'
import type { CallInterceptor, InterceptedCall } from '../contract/interceptor-types.js'
import { crashLoop } from '../errors/pool-errors.js'
import { ChannelClosedError } from '../errors/worker-errors.js'
import { readCallOptions, type CallSettings } from '../rpc/call-options.js'
import { madeHere } from '../rpc/caller-stack.js'
import { interceptCall } from '../rpc/interceptors.js'
import { isChunkSource } from '../rpc/outgoing-call.js'
import type { CrashGuard } from './crash-guard.js'
import type { Dispatcher } from './dispatcher.js'
import type { MemberSet } from './member-set.js'
import { readPoolCallOptions } from './pool-call-options.js'
import type { PoolStatus } from './pool-state.js'
import { PoolStream } from './pool-stream.js'
import { PoolTask } from './pool-task.js'

/** What the calls of a pool go through. */
export interface CallParts {
  readonly timeout: number | undefined
  /** The pool's `call` interceptors, run once per call around all of it. */
  readonly interceptors: readonly CallInterceptor[] | undefined
  readonly status: PoolStatus
  readonly guard: CrashGuard
  readonly members: MemberSet
  readonly dispatcher: Dispatcher
}

export class PoolCalls {
  readonly #parts: CallParts

  constructor(parts: CallParts) {
    this.#parts = parts
  }

  /** A procedure's or an input stream's call, through the interceptors. Throws a TypeError for a bad option (the call object rejects with it). */
  call(name: string, declaration: AnyDeclaration, input: unknown, options: unknown): Promise<unknown> {
    const chain = this.#parts.interceptors
    if (chain === undefined) return this.#call(name, declaration, input, options, undefined)
    const call = { procedure: name, kind: declaration.kind, input, options: options as InterceptedCall['options'], metadata: {} }
    return Promise.resolve(interceptCall(chain, call, (next) => this.#call(name, declaration, next.input, next.options, next.metadata)))
  }

  /** A stream's call, through the interceptors: its iterator at once; the call is submitted on its first `next()`. */
  stream(name: string, declaration: AnyDeclaration, input: unknown, options: unknown): AsyncIterableIterator<unknown> {
    const chain = this.#parts.interceptors
    if (chain === undefined) return this.#stream(name, declaration, input, options, undefined)
    const call = { procedure: name, kind: declaration.kind, input, options: options as InterceptedCall['options'], metadata: {} }
    return interceptCall(chain, call, (next) => this.#stream(name, declaration, next.input, next.options, next.metadata)) as AsyncIterableIterator<unknown>
  }

  #call(name: string, declaration: AnyDeclaration, input: unknown, options: unknown, metadata: Record<string, string> | undefined): Promise<unknown> {
    const settings = readCallOptions(name, declaration, options, this.#parts.timeout)
    const routing = readPoolCallOptions(name, options)
    // Checked before the queue, as a worker's call checks it before sending: a call that cannot run fails the same whatever the pool's state.
    if (declaration.kind === 'input-stream' && !isChunkSource(input)) throw new TypeError(`call "${name}": expected an AsyncIterable or an Iterable of chunks, got ${typeof input}`)
    const refusal = this.#refusal(name, settings)
    if (refusal !== undefined) return Promise.reject(refusal)
    return new Promise((resolve, reject) => this.#parts.dispatcher.submit(new PoolTask({ name, declaration, input, settings, routing, metadata: metadataOf(metadata), resolve, reject })))
  }

  #stream(name: string, declaration: AnyDeclaration, input: unknown, options: unknown, metadata: Record<string, string> | undefined): AsyncIterableIterator<unknown> {
    const settings = readCallOptions(name, declaration, options, this.#parts.timeout)
    const routing = readPoolCallOptions(name, options)
    return new PoolStream(name, declaration, input, (stream) => {
      const task = new PoolTask({
        name,
        declaration,
        input,
        settings,
        routing,
        metadata: metadataOf(metadata),
        runOn: (target, workerOptions) => stream.runOn(target, workerOptions),
        resolve: () => undefined,
        reject: (error) => stream.failed(error),
      })
      const refusal = this.#refusal(name, settings)
      if (refusal === undefined) this.#parts.dispatcher.submit(task)
      else stream.failed(refusal)
      return task
    })
  }

  /** Why the pool cannot take a call now, if it cannot. */
  #refusal(name: string, settings: CallSettings): unknown {
    const { status, guard, members } = this.#parts
    if (!status.accepting) return madeHere(new ChannelClosedError(`The pool was closed; call "${name}" was not sent`, { procedure: name }))
    if (settings.signal?.aborted) return settings.signal.reason
    const trip = guard.tripped
    if (trip !== undefined && members.serving === 0) return madeHere(crashLoop(name, trip.detail, trip.error))
    return undefined
  }
}

/** The metadata to send: undefined when the interceptors set none (the worker's peer checks the values). */
function metadataOf(metadata: Record<string, string> | undefined): Record<string, string> | undefined {
  if (metadata === undefined) return undefined
  for (const _ in metadata) return metadata
  return undefined
}
