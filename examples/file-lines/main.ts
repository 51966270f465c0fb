/**
 * file-lines: stream a large file's lines from a worker. The parent iterates them with
 * `for await`; credit-based flow control keeps memory bounded however big the file; a
 * `break` stops the worker's generator, whose `finally` closes the file.
 *
 * Run: pnpm exec tsx examples/file-lines/main.ts
 */
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fork } from '@forkrpc/core'
import { lines } from './lines.contract.js'

console.log('== file-lines: a worker streams a file line by line ==')

const dir = mkdtempSync(join(tmpdir(), 'forkrpc-lines-'))
const path = join(dir, 'big.log')
const total = 200_000
writeFileSync(path, Array.from({ length: total }, (_, i) => `${new Date(1_700_000_000_000 + i * 1_000).toISOString()} request ${i} ok`).join('\n'))

const worker = await fork(lines, new URL('./lines.worker.js', import.meta.url))
try {
  // 1. Every line, in order.
  const started = performance.now()
  let count = 0
  let bytes = 0
  for await (const line of worker.call.read({ path })) {
    assert.ok(line.endsWith(`request ${count} ok`), `line ${count} out of order: ${line}`)
    count++
    bytes += line.length + 1
  }
  const ms = performance.now() - started
  console.log(`read ${count} lines (${(bytes / 2 ** 20).toFixed(1)} MiB) in ${Math.round(ms)} ms: ${Math.round(count / (ms / 1_000)).toLocaleString('en-US')} lines/s`)
  assert.equal(count, total)

  // 2. Stop early: the worker's generator stops and its finally closes the file. The
  // finally runs in the worker just after the break (the break does not wait for it), so
  // we wait for the event it emits.
  const closed = worker.events('fileClosed')
  const firstErrors: string[] = []
  for await (const line of worker.call.read({ path })) {
    firstErrors.push(line)
    if (firstErrors.length === 3) break
  }
  console.log(`first 3 lines, then break:\n  ${firstErrors.join('\n  ')}`)
  const { value: closedEvent } = await closed.next()
  console.log(`the worker closed the file after reading ${closedEvent?.linesRead} lines (at most the credit window past the 3 taken)`)
  assert.ok(closedEvent !== undefined && closedEvent.linesRead <= 3 + 256)
  const open = await worker.call.openFiles()
  console.log(`files the worker still has open after the break: ${open}`)
  assert.equal(open, 0)
} finally {
  await worker.close()
  rmSync(dir, { recursive: true, force: true })
}
