/**
 * plugin-host: third-party plugins run in least-privilege workers. The pool's workers may read
 * their own folder (the runner and the plugins) and nothing else, get only the LANG variable,
 * and have a 64 MB heap. Well-behaved plugins just work; one that reads /etc/passwd fails
 * with a PermissionDeniedError naming the permission and the file; one that looks for the
 * host's API key finds an environment without it; one that leaks memory kills only its
 * worker (WorkerOutOfMemoryError), which the pool replaces. Node's permission model is a
 * seat belt, not a sandbox: for plugins you do not trust, the same option runs the worker on
 * Deno, a security boundary; that part runs when Deno is installed
 * (`node scripts/runtimes.mjs deno`).
 *
 * Run: pnpm exec tsx examples/plugin-host/main.ts
 */
import assert from 'node:assert/strict'
import { createPool, fork, PermissionDeniedError, WorkerOutOfMemoryError, type WorkerPermissions } from '@forkrpc/core'
import { findRuntime } from '../../scripts/runtimes.mjs'
import { host } from './host.contract.mjs'

console.log('== plugin-host: third-party plugins in least-privilege workers ==')

process.env.API_KEY = 'sk-host-only' // a secret of the host's, which no plugin should see
const runner = new URL('./plugin-runner.worker.mjs', import.meta.url)
// Node 25 and later can deny the network; before that, `net: true` has to say it stays open.
const netDeniable = process.allowedNodeEnvironmentFlags.has('--allow-net')
const permissions: WorkerPermissions = {
  read: [new URL('./', import.meta.url)], // the runner, its contract and the plugins
  env: ['LANG'],
  net: !netDeniable,
}

await using pool = createPool(host, runner, {
  max: 2,
  timeout: 10_000,
  permissions,
  heapLimitMb: 64,
  execArgv: [], // plain JavaScript: no tsx loader in the workers
  stdio: ['ignore', 'inherit', 'pipe', 'ipc'], // the workers' stderr is kept for errors, not shown
})
const exits: string[] = []
pool.on('exit', ({ pid, reason }) => {
  exits.push(reason)
  console.log(`  [pool] worker ${pid} exited: ${reason}`)
})
console.log(`workers may read ${new URL('./', import.meta.url).pathname} and nothing else; the network is ${netDeniable ? 'denied' : 'open (this Node cannot deny it)'}`)

const words = await pool.call.run({ plugin: 'word-count', input: 'least privilege by default' })
const loud = await pool.call.run({ plugin: 'shout', input: 'hello' })
console.log(`word-count = ${String(words)}, shout = ${String(loud)}`)
assert.equal(words, 4)
assert.equal(loud, 'HELLO')

const denied = await pool.call.run({ plugin: 'snoop', input: '' }).catch((err: unknown) => err)
assert.ok(denied instanceof PermissionDeniedError, `expected a PermissionDeniedError, got ${String(denied)}`)
assert.equal(denied.permission, 'read')
assert.equal(denied.resource, '/etc/passwd')
console.log(`snoop rejected: ${denied.name} (permission ${denied.permission}, resource ${denied.resource})`)

const seen = (await pool.call.run({ plugin: 'peek-env', input: '' })) as string[]
assert.ok(!seen.includes('API_KEY'))
console.log(`peek-env saw ${JSON.stringify(seen)}: no API_KEY`)

const oom = await pool.call.run({ plugin: 'hog', input: '' }).catch((err: unknown) => err)
assert.ok(oom instanceof WorkerOutOfMemoryError, `expected a WorkerOutOfMemoryError, got ${String(oom)}`)
console.log(`hog rejected: ${oom.name} (${oom.signal ?? oom.exitCode})`)
assert.equal(await pool.call.run({ plugin: 'shout', input: 'still here' }), 'STILL HERE')
assert.deepEqual(exits, ['out-of-memory'])
console.log('shout works again: the pool replaced the worker that ran out of memory')

// The boundary for plugins you do not trust: the same worker on Deno, under Deno's flags.
const deno = (findRuntime as (name: string) => string | undefined)('deno')
if (deno === undefined) {
  console.log('Deno is not installed (node scripts/runtimes.mjs deno): skipped the Deno worker')
} else {
  await using sandboxed = await fork(host, runner, {
    execPath: deno,
    // Deno keeps a worker thread and WASI under the worker's own permissions, and cannot deny them.
    permissions: { ...permissions, net: false, workerThreads: true, wasi: true },
    stdio: ['ignore', 'inherit', 'pipe', 'ipc'],
  })
  const onDeno = await sandboxed.call.run({ plugin: 'snoop', input: '' }).catch((err: unknown) => err)
  assert.ok(onDeno instanceof PermissionDeniedError, `expected a PermissionDeniedError from Deno, got ${String(onDeno)}`)
  const flags = sandboxed.process.spawnargs.filter((arg) => arg.startsWith('--')).map((arg) => arg.split('=')[0])
  console.log(`on Deno (deno run ${flags.join(' ')}), snoop rejected: ${onDeno.name} (permission ${onDeno.permission}, resource ${onDeno.resource})`)
}
