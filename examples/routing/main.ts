/**
 * routing: a pool that routes. Calls with the same `key` go to the same worker while it
 * lives, so a tenant's data, loaded once, stays warm in that worker; calls with a higher
 * `priority` leave the queue first. `pool.stats()` then shows the waits and run times.
 *
 * Run: pnpm exec tsx examples/routing/main.ts
 */
import assert from 'node:assert/strict'
import { createPool } from '@forkrpc/core'
import { tenants } from './tenants.contract.js'

console.log('== routing: keys keep a tenant on one worker, priorities order the queue ==')

// min = max: the same two workers all along, so keys stay put (workers that come and go move keys).
// prefetch: 0: calls beyond the workers' slots wait in the pool, where priorities order them
// (calls sent ahead to a worker, the default `prefetch`, are not overtaken there).
await using pool = createPool(tenants, new URL('./tenants.worker.js', import.meta.url), { min: 2, max: 2, concurrency: 2, prefetch: 0 })
await pool.ready()

// 1. Keys: three lookups per tenant, each with the tenant as its key.
for (const tenant of ['acme', 'globex', 'initech', 'umbrella']) {
  const answers = []
  for (let i = 0; i < 3; i++) answers.push(await pool.call.lookup({ tenant, query: 'plan' }, { key: tenant }))
  const workers = new Set(answers.map((answer) => answer.worker))
  assert.equal(workers.size, 1, `every call of ${tenant} went to one worker`)
  assert.deepEqual(
    answers.map((answer) => answer.warm),
    [false, true, true],
  )
  console.log(`${tenant.padEnd(8)} -> worker ${answers[0]?.worker}: plan ${answers[0]?.answer}; loaded once, warm after (${answers.map((a) => (a.warm ? 'warm' : 'cold')).join(', ')})`)
}

// 2. Priorities: four long reports fill both workers' slots; then four batch reports and one
// urgent one queue. The urgent one, queued last, runs first. The long reports end 100 ms
// apart, so one slot frees at a time and the queued reports run one after another in it, in
// the order the queue hands them out (two slots freeing at once would start two reports on
// two workers, in whichever order those processes happen to wake).
const run = (name: string, ms: number, priority?: number) => pool.call.report({ name, ms }, { priority })
const filling = [1, 2, 3, 4].map((i) => run(`long-${i}`, 200 + 100 * i))
const queued = [run('batch-1', 10, -1), run('batch-2', 10, -1), run('batch-3', 10, -1), run('batch-4', 10, -1), run('urgent', 10, 10)]
console.log(`queued behind the long reports: ${pool.stats().queued}`)
// The order they started in (the order the queue handed them out; they may end in another).
const reports = await Promise.all([...filling, ...queued])
const afterLong = reports
  .filter((report) => !report.name.startsWith('long'))
  .sort((a, b) => a.startedAt - b.startedAt)
  .map((report) => report.name)
assert.equal(afterLong[0], 'urgent', `the urgent report started first, got ${afterLong.join(', ')}`)
assert.deepEqual(afterLong.slice(1), ['batch-1', 'batch-2', 'batch-3', 'batch-4'])
console.log(`started after the long reports: ${afterLong.join(', ')}`)

// 3. What a dashboard would chart.
const { procedures, perWorker } = pool.stats()
for (const [name, { queueWait, runTime }] of Object.entries(procedures)) {
  console.log(`${name}: ${runTime.count} runs, run p50 ${runTime.p50.toFixed(1)} ms, max ${runTime.max.toFixed(1)} ms; waited p90 ${queueWait.p90.toFixed(1)} ms`)
}
for (const worker of perWorker) console.log(`worker ${worker.pid}: ${worker.calls} calls, ${Math.round(worker.utilisation * 100)}% busy`)
assert.equal(procedures.lookup?.runTime.count, 12)
