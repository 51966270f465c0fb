import { describe, expect, it } from 'vitest'
import { HandlerGate } from '../../../packages/core/src/rpc/handler-gate.js'
import type { RunningCall } from '../../../packages/core/src/rpc/running-call.js'

const call = (name: string) => ({ procedure: name }) as unknown as RunningCall

describe('HandlerGate', () => {
  it('lets every call in without a limit', () => {
    const gate = new HandlerGate()
    expect([1, 2, 3].map((i) => gate.enter(call(`c${i}`), () => undefined))).toEqual([true, true, true])
  })

  it('holds calls beyond the limit and starts them in order as running ones leave', () => {
    const gate = new HandlerGate()
    gate.limit(2)
    const started: string[] = []
    const calls = ['a', 'b', 'c', 'd', 'e'].map(call)
    const admitted = calls.map((c) => gate.enter(c, () => started.push(c.procedure)))
    expect(admitted).toEqual([true, true, false, false, false])
    gate.leave(calls[0] as RunningCall)
    expect(started).toEqual(['c'])
    expect(gate.withdraw(calls[3] as RunningCall)).toBe(true) // d was cancelled while it waited
    expect(gate.waits(calls[3] as RunningCall)).toBe(false)
    gate.leave(calls[1] as RunningCall)
    expect(started).toEqual(['c', 'e'])
    expect(gate.withdraw(calls[4] as RunningCall)).toBe(false) // e runs: it cannot be withdrawn
  })

  it('starts the next calls in a loop when they settle at once (no recursion, however many wait)', () => {
    const gate = new HandlerGate()
    gate.limit(1)
    const first = call('first')
    gate.enter(first, () => undefined)
    let ran = 0
    for (let i = 0; i < 50_000; i++) {
      const waiting = call(`w${i}`)
      gate.enter(waiting, () => {
        ran++
        gate.leave(waiting) // a synchronous handler settles inside its start
      })
    }
    gate.leave(first)
    expect(ran).toBe(50_000)
  })

  it('never admits a new call ahead of ones already waiting', () => {
    const gate = new HandlerGate()
    gate.limit(1)
    const [a, b, c] = ['a', 'b', 'c'].map(call) as [RunningCall, RunningCall, RunningCall]
    gate.enter(a, () => undefined)
    gate.enter(b, () => undefined)
    gate.limit(3) // more room now, but b waits: c must not pass it
    expect(gate.enter(c, () => undefined)).toBe(false)
  })
})
