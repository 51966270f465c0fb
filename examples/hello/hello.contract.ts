import { defineContract, procedure } from '@forkrpc/core'
import { z } from 'zod'

/** The contract: imported by both the parent (main.ts) and the worker. */
export const hello = defineContract({
  // Types only: nothing is checked at runtime.
  add: procedure<{ a: number; b: number }, number>(),
  // Zod schemas: the input is checked in the parent and again in the child, the output in
  // the child; the types are inferred from the schemas.
  fib: procedure({ input: z.object({ n: z.number().int().min(0).max(78) }), output: z.number() }),
})
