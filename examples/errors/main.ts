/**
 * errors: a custom error class registered with the contract comes back to the parent as
 * an instance of itself, with its own properties (`line`), its `cause` (a TypeError),
 * and one stack trace: the child's frames, then the frames of the parent's call.
 *
 * Run: pnpm exec tsx examples/errors/main.ts
 */
import assert from 'node:assert/strict'
import { fork } from '@forkrpc/core'
import { ParseError, parser } from './parser.contract.js'

console.log('== errors: custom error classes cross the process boundary ==')

const worker = await fork(parser, new URL('./parser.worker.js', import.meta.url))
try {
  console.log(`parseNumbers("1\\n2\\n3") = ${JSON.stringify(await worker.call.parseNumbers('1\n2\n3'))}`)

  try {
    await worker.call.parseNumbers('1\ntwo\n3')
    throw new Error('expected parseNumbers to throw a ParseError')
  } catch (err) {
    console.log(`err instanceof ParseError: ${err instanceof ParseError}`)
    assert.ok(err instanceof ParseError, `expected a ParseError, got ${String(err)}`)
    console.log(`err.message: ${err.message}`)
    console.log(`err.line: ${err.line}`)
    console.log(`err.cause: ${String(err.cause)} (instanceof TypeError: ${err.cause instanceof TypeError})`)
    assert.equal(err.line, 2)
    assert.ok(err.cause instanceof TypeError)
    console.log('err.stack (the worker\'s frames, then the parent\'s):')
    console.log(err.stack?.replace(/^/gm, '  '))
    assert.match(err.stack ?? '', /parser\.worker\.ts[\s\S]*<forkrpc call "parseNumbers" from the parent>[\s\S]*main\.ts/)
  }
} finally {
  await worker.close()
}
