/** The contract the forkrpc subjects serve: echo a payload, or hold a call until a deadline. */
import { defineContract, procedure } from '@forkrpc/core'

export const echoContract = defineContract({
  /** Returns its input: a round trip carries the payload both ways. */
  echo: procedure<unknown, unknown>(),
  /** Answers once `Date.now()` reaches the given deadline: keeps calls in flight for the heap figures. */
  park: procedure<number, number>(),
})

/** Resolves at `deadline` (epoch ms) with it; shared by every child's `park`. */
export function untilDeadline(deadline: number): Promise<number> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, deadline - Date.now()), deadline))
}
