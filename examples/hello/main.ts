/**
 * hello: a typed contract, a worker that serves it, and one call of each procedure.
 * `fib` is validated by zod schemas, so a bad input fails with ValidationError
 * before anything is sent.
 *
 * Run: pnpm exec tsx examples/hello/main.ts
 */
import assert from 'node:assert/strict'
import { fork, ValidationError } from '@forkrpc/core'
import { hello } from './hello.contract.js'

console.log('== hello: a typed contract over child_process.fork ==')

// The worker is named as it is after a build; under tsx, hello.worker.ts beside it runs (tsx's
// loader is passed on to the child). The same line starts the built .js under node.
const worker = await fork(hello, new URL('./hello.worker.js', import.meta.url))
try {
  console.log(`parent pid ${process.pid}, worker pid ${worker.pid}`)

  const sum = await worker.call.add({ a: 2, b: 3 }) // typed: number
  console.log(`add({ a: 2, b: 3 }) = ${sum}`)
  assert.equal(sum, 5)

  const fib = await worker.call.fib({ n: 50 })
  console.log(`fib({ n: 50 }) = ${fib}`)
  assert.equal(fib, 12_586_269_025)

  const error = await worker.call.fib({ n: -1 }).catch((err: unknown) => err)
  assert.ok(error instanceof ValidationError, `expected a ValidationError, got ${String(error)}`)
  console.log(`fib({ n: -1 }) rejected: ${error.name}: ${error.message}`)
} finally {
  const exit = await worker.close()
  console.log(`worker closed: ${JSON.stringify(exit)}`)
}
