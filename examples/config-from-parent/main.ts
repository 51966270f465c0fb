/**
 * config-from-parent: two-way calls. The contract declares procedures that the parent
 * serves (`host`); the worker's handler calls them with `ctx.host.getConfig(...)`, with the
 * same timeouts, cancellation and error classes as the parent's calls to the worker.
 *
 * Run: pnpm exec tsx examples/config-from-parent/main.ts
 */
import assert from 'node:assert/strict'
import { fork } from '@forkrpc/core'
import { app, UnknownSettingError } from './app.contract.js'

console.log('== config-from-parent: the worker asks the parent for configuration ==')

const settings = new Map([
  ['dsn.eu', 'postgres://reporter:s3cret@db.eu.internal/sales'],
  ['dsn.us', 'postgres://reporter:s3cret@db.us.internal/sales'],
  ['currency.us', 'USD'],
])
const logs: string[] = []

const worker = await fork(app, new URL('./app.worker.js', import.meta.url), {
  // Leaving out a handler (or `host` altogether) is a compile error.
  host: {
    getConfig: (key) => {
      const value = settings.get(key)
      if (value === undefined) throw new UnknownSettingError(key)
      return value
    },
    log: (line) => {
      logs.push(line)
    },
  },
})
try {
  const us = await worker.call.report({ region: 'us' })
  const eu = await worker.call.report({ region: 'eu' })
  console.log(us)
  console.log(eu)
  for (const line of logs) console.log(`parent log <- ${line}`)
  assert.equal(us, 'report for us from postgres://reporter:***@db.us.internal/sales in USD')
  assert.equal(eu, 'report for eu from postgres://reporter:***@db.eu.internal/sales in EUR')
  assert.ok(logs.some((line) => line.includes('no currency for eu')))

  // A setting the parent does not have: the worker's handler got an UnknownSettingError for
  // `dsn.mars`, did not catch it, and so the parent's call rejects with it, class intact.
  const error = await worker.call.report({ region: 'mars' }).catch((err: unknown) => err)
  assert.ok(error instanceof UnknownSettingError, `expected UnknownSettingError, got ${String(error)}`)
  console.log(`report({ region: 'mars' }) rejected: ${error.name}: ${error.message}`)
} finally {
  await worker.close()
}
