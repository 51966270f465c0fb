/**
 * The pool's event emitter: `pool.on()` refuses what it could never call (a name the pool does
 * not emit, a listener that is not a function) at once, as a worker's `on()` does, rather than
 * keep it for ever or fail later, far from the mistake, when the event comes.
 */
import { describe, expect, it } from 'vitest'
import { PoolEmitter, type PoolEvents } from '../../../packages/core/src/pool/pool-events.js'

describe("a pool's events", () => {
  it('calls the listeners of an event with its payload, until they are removed', () => {
    const events = new PoolEmitter()
    const heard: Array<PoolEvents['ready']> = []
    const stop = events.on('ready', (event) => heard.push(event))
    events.emit('ready', { runtime: 'process', pid: 1, threadId: undefined })
    stop()
    events.emit('ready', { runtime: 'process', pid: 2, threadId: undefined })
    expect(heard).toEqual([{ runtime: 'process', pid: 1, threadId: undefined }])
  })

  it('refuses a name the pool never emits with a TypeError that lists the events', () => {
    // @ts-expect-error -- not an event of a pool
    expect(() => new PoolEmitter().on('exitt', () => {})).toThrow(
      new TypeError('on(event, listener): "exitt" is not an event of a pool (it emits "spawn", "ready", "exit", "unresponsive", "restart", "crashloop")'),
    )
  })

  it('refuses a listener that is not a function with a TypeError', () => {
    // @ts-expect-error -- not a function
    expect(() => new PoolEmitter().on('exit', 'log')).toThrow(new TypeError('on(event, listener): listener must be a function'))
  })
})
