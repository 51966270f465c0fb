/**
 * progress-bar: a progress bar in the parent driven by events the child's handler emits
 * (`ctx.emit('progress', ...)`), heard by the call's own `onProgress`; and a log event
 * heard by `worker.on`.
 *
 * Run: pnpm exec tsx examples/progress-bar/main.ts
 */
import assert from 'node:assert/strict'
import { fork } from '@forkrpc/core'
import { encoder } from './encoder.contract.js'

console.log('== progress-bar: events from the child drive the parent ==')

const worker = await fork(encoder, new URL('./encoder.worker.js', import.meta.url))
try {
  const logs: string[] = []
  const stopLogging = worker.on('log', ({ level, text }) => logs.push(`[${level}] ${text}`))

  const seen: number[] = []
  const render = (done: number, total: number): string => {
    const width = 30
    const filled = Math.round((done / total) * width)
    return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${String(Math.round((done / total) * 100)).padStart(3)}%`
  }
  const interactive = process.stdout.isTTY === true
  const result = await worker.call.encode(
    { frames: 40 },
    {
      onProgress: ({ done, total }) => {
        seen.push(done)
        // Redraw in place on a terminal; print every tenth step otherwise (CI logs).
        if (interactive) process.stdout.write(`\r${render(done, total)}`)
        else if (done % 10 === 0) console.log(render(done, total))
      },
    },
  )
  if (interactive) process.stdout.write('\n')
  stopLogging()

  console.log(`encoded ${result.frames} frames, ${result.bytes} bytes`)
  for (const line of logs) console.log(`log event: ${line}`)
  assert.deepEqual(seen, Array.from({ length: 40 }, (_, i) => i + 1), 'one progress event per frame, in order')
  assert.deepEqual(logs, ['[info] half way: 20210 bytes'])
} finally {
  await worker.close()
}
