// Checks of what travels besides calls: streams, events and two-way calls.
import assert from 'node:assert/strict'

export const messages = [
  {
    id: 'stream',
    title: "a stream of 1,000 chunks; `break` runs the generator's `finally`",
    async run(ctx) {
      const worker = await ctx.fork()
      const chunks = []
      for await (const chunk of worker.call.count(1_000)) chunks.push(chunk)
      assert.equal(chunks.length, 1_000)
      assert.equal(chunks[999], 999)
      for await (const chunk of worker.call.count(1_000_000)) if (chunk === 10) break
      // The cancel reaches the worker after the loop: ask until its finally has run.
      let stopped = false
      for (let i = 0; i < 100 && !stopped; i++) {
        stopped = await worker.call.streamStopped()
        if (!stopped) await new Promise((resolve) => setTimeout(resolve, 20))
      }
      assert.ok(stopped, "the generator's finally did not run")
    },
  },
  {
    id: 'events',
    title: 'events: `worker.on` and `onProgress`',
    async run(ctx) {
      const worker = await ctx.fork()
      const heard = []
      const stop = worker.on('progress', ({ pct }) => heard.push(pct))
      const ofCall = []
      assert.equal(await worker.call.progress(5, { onProgress: ({ pct }) => ofCall.push(pct) }), 5)
      stop()
      assert.deepEqual(heard, [1, 2, 3, 4, 5])
      assert.deepEqual(ofCall, [1, 2, 3, 4, 5])
    },
  },
  {
    id: 'two-way',
    title: 'two-way calls: a handler calls the parent (`ctx.host`)',
    async run(ctx) {
      const worker = await ctx.fork()
      assert.equal(await worker.call.askHost(21), 42)
    },
  },
]
