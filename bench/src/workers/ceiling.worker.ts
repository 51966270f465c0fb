// The ceiling's child (README, "the ceiling"): a minimal batched RPC over the fork channel, as
// ../shared/bench/ceiling/ describes it. Every request of a batch is answered; the replies of
// a turn leave as one message (an array), written at setImmediate. No checks, no limits, no
// codec: what a promise-per-call RPC over this channel can approach, not a competitor.
import { untilDeadline } from '../echo.contract.js'

/** A request of a batch: id, procedure, argument. */
interface CeilingRequest {
  i: number
  p: 'echo' | 'park'
  a: unknown
}

/** A reply: id, and the result or the error's text. */
interface CeilingReply {
  i: number
  r?: unknown
  e?: string
}

const handlers: Record<CeilingRequest['p'], (argument: unknown) => unknown> = {
  echo: (argument) => argument,
  park: (deadline) => untilDeadline(deadline as number),
}

let out: CeilingReply[] | null = null
const flush = (): void => {
  const batch = out
  out = null
  process.send?.(batch)
}
const reply = (message: CeilingReply): void => {
  if (out === null) {
    out = []
    setImmediate(flush)
  }
  out.push(message)
}

process.on('message', (batch: CeilingRequest[]) => {
  for (const request of batch) {
    let result: unknown
    try {
      result = handlers[request.p](request.a)
    } catch (error) {
      reply({ i: request.i, e: String(error) })
      continue
    }
    // `park` answers later; `echo` at once, like the shared ceiling's synchronous handlers.
    if (result instanceof Promise) result.then((r: unknown) => reply({ i: request.i, r }), (error: unknown) => reply({ i: request.i, e: String(error) }))
    else reply({ i: request.i, r: result })
  }
})
process.on('disconnect', () => process.exit(0))
process.send?.({ ready: true })
