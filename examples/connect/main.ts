/**
 * connect: spawn the worker process yourself (your own command line, stdio, env, ...)
 * and wrap it with connect(), which gives the same typed worker as fork(), after the
 * same ready handshake. The child only needs an 'ipc' entry in its stdio.
 *
 * Run: pnpm exec tsx examples/connect/main.ts
 */
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { connect } from '@forkrpc/core'
import { greeter } from './greeter.contract.js'

console.log('== connect: the typed client over a child you spawned ==')

const workerPath = fileURLToPath(new URL('./greeter.worker.ts', import.meta.url))
// process.execArgv passes tsx's loader on, so the child can run the .ts worker.
const child = spawn(process.execPath, [...process.execArgv, workerPath, 'Bonjour'], {
  stdio: ['ignore', 'inherit', 'pipe', 'ipc'],
})
// With a piped stderr, connect() keeps its last lines for WorkerExitedError and
// StartupError messages; forwardStderr also copies it to this process's stderr.
// If the child fails to start, connect() rejects with StartupError and kills it.
const worker = await connect(greeter, child, { forwardStderr: true })
try {
  assert.equal(worker.pid, child.pid)
  console.log(`connected to pid ${worker.pid}`)
  const reply = await worker.call.greet('Ada')
  console.log(`greet('Ada') = ${JSON.stringify(reply)}`)
  assert.equal(reply, `Bonjour, Ada! (from pid ${child.pid})`)
} finally {
  const exit = await worker.close()
  console.log(`worker closed: ${JSON.stringify(exit)}`)
}
