import { serve, TimeoutError } from '@forkrpc/core'
import { reports, type NestedSeen } from './report.contract.js'

let last: NestedSeen | undefined

serve(reports, {
  async report(items, ctx) {
    // ctx.deadline: when this call times out (a Date.now() time), or undefined without a timeout.
    const leftAtStart = ctx.deadline === undefined ? Infinity : ctx.deadline - Date.now()
    const parts: string[] = []
    try {
      // No timeout of their own: each lookup inherits what is left of this call's deadline.
      for (let i = 0; i < items; i++) parts.push(await ctx.host.lookup(`item-${i}`))
      last = { leftAtStart, lookedUp: parts.length, error: undefined }
      return parts.join(', ')
    } catch (error) {
      const inheritedFrom = error instanceof TimeoutError ? error.inheritedFrom : undefined
      last = { leftAtStart, lookedUp: parts.length, error: { name: (error as Error).name, inheritedFrom } }
      throw error
    }
  },
  lastReport: () => last,
})
