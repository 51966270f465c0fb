// A Node parent with its workers on Bun or on Deno (`execPath`, and Deno's `run -A`): the
// runtime suite's checks that involve a worker process, each expected to pass or to fail as
// the README's support table says (test/runtimes/support.mjs). The runtimes are installed
// into .runtimes/ on first use (scripts/runtimes.mjs).
import { describe, expect, it } from 'vitest'
import { runtimeCommand } from '../../../scripts/runtimes.mjs'
import { checks } from '../../runtimes/checks/index.mjs'
import { checkContext } from '../../runtimes/harness.mjs'
import { columnOf, GAPS } from '../../runtimes/support.mjs'

for (const workers of ['bun', 'deno'] as const) {
  const column = columnOf('node', workers)
  describe(`${column.title} (${workers} installed by scripts/runtimes.mjs)`, () => {
    for (const check of checks.filter((candidate) => candidate.scope !== 'parent')) {
      const gap = GAPS[column.id]?.[check.id]
      const title = gap === undefined ? `${check.id}: ${check.title}` : `${check.id} fails, as the support table says`
      it(title, { timeout: 90_000 }, async () => {
        const ctx = checkContext({ workerOptions: runtimeCommand(workers), foreign: workers })
        try {
          if (gap === undefined) await check.run(ctx)
          else await expect(check.run(ctx)).rejects.toThrow(gap.failure)
        } finally {
          await ctx.cleanUp()
        }
      })
    }
  })
}
