// Checks of processes beyond one worker: a parent's own life (idle workers, signals, its
// death: the orphan watchdog) and a worker's children (process groups).
import assert from 'node:assert/strict'
import { exitOf, isAlive, waitFor } from '../harness.mjs'

export const processes = [
  {
    id: 'idle-exit',
    title: 'an idle worker does not keep its parent alive; a call in flight does',
    async run(ctx) {
      const idle = ctx.parent('idle')
      const { pid } = await idle.lines.next()
      assert.deepEqual(await idle.lines.next(), { sum: 3 })
      assert.deepEqual(await exitOf(idle.child), { code: 0, signal: null })
      await waitFor(() => !isAlive(pid), 'the worker of a parent that exited exits too')
      const held = ctx.parent('held')
      await held.lines.next()
      assert.deepEqual(await held.lines.next(), { result: 'slept' })
      assert.deepEqual(await exitOf(held.child), { code: 0, signal: null })
    },
  },
  {
    id: 'watchdog',
    title: 'a worker stuck in a synchronous loop dies with its parent (SIGKILL): the orphan watchdog',
    async run(ctx) {
      const parent = ctx.parent('orphan')
      const { pid } = await parent.lines.next()
      await waitFor(() => parent.stderr().includes('spinning'), 'the worker is stuck in its loop')
      parent.child.kill('SIGKILL')
      await exitOf(parent.child)
      assert.ok(isAlive(pid), 'the worker died before the parent did')
      // The watchdog polls every 100 ms and gives the main thread 650 ms: a second here.
      await waitFor(() => !isAlive(pid), 'the orphaned worker dies', 10_000)
    },
  },
  {
    id: 'process-group',
    title: "`processGroup: true`: the worker's own child does not outlive it",
    async run(ctx) {
      const worker = await ctx.fork({ processGroup: true, killTimeout: 1_000 })
      const grandchild = await worker.call.spawnChild()
      assert.ok(isAlive(grandchild))
      await worker.close()
      await waitFor(() => !isAlive(grandchild), 'the grandchild ends with the group')
    },
  },
  {
    id: 'handle-signals',
    title: '`handleSignals()`: SIGTERM to the parent closes its workers in stages',
    async run(ctx) {
      const parent = ctx.parent('signals')
      const { pid } = await parent.lines.next() // once its worker runs the call
      parent.child.kill('SIGTERM')
      const lines = [await parent.lines.next(), await parent.lines.next()]
      const { results } = lines.find((line) => line.results !== undefined) ?? {}
      assert.ok(results, `no results among ${JSON.stringify(lines)}`)
      assert.equal(results.length, 1)
      assert.equal(results[0].pid, pid)
      // Its call ran past grace (1 s): SIGTERM, on which the worker aborts it and exits 0.
      assert.equal(results[0].code, 0)
      assert.equal(results[0].forced, false)
      assert.ok(lines.some((line) => line.callError === 'AbortError'), JSON.stringify(lines))
      await exitOf(parent.child)
    },
  },
]
