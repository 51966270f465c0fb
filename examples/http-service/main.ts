/**
 * http-service: a node:http service offloading CPU work (a password hash, a markdown render)
 * to a pool of 2 worker processes, under the conditions a real server meets. server.ts is the
 * service, the file to copy; this script runs it as a service manager would (the leader of a
 * process group of its own) and checks what its clients get:
 *
 * 1. Answers: a hash (the same as node:crypto's) and a render.
 * 2. Overload: a burst of 2.5 times what the pool can finish within the 2 s deadline. The
 *    pool runs what it can finish in time (200) and refuses the rest at once (503 with a
 *    `Retry-After`, `PoolOverloadedError`), instead of leaving them to time out (504).
 * 3. A worker SIGKILLed under load: its call is retried on the other worker (the procedure
 *    is idempotent), the pool starts a replacement, and no request fails.
 * 4. A hostile document whose render runs away: 504 at its 500 ms deadline, while the other
 *    worker serves on; the pool replaces the runaway worker a second later (`cancelGrace`).
 * 5. SIGTERM to the whole process group under load: the server stops accepting, every request
 *    it took is answered 200, then the workers stop; no worker crashes or starts; exit 0.
 *
 * Run: pnpm exec tsx examples/http-service/main.ts
 */
import assert from 'node:assert/strict'
import { setTimeout as delay } from 'node:timers/promises'
import type { PoolStats } from '@forkrpc/core'
import { hashPassword } from './hash-password.js'
import { loops, median, send, tally, type Outcome } from './http-client.js'
import { startService, type LogLine } from './start-service.js'

const service = await startService()
console.log(`== http-service: server pid ${service.pid} (a process group of its own), port ${service.port} ==`)
const { port } = service
const all: Outcome[] = [] // every answer, to compare with what the server says it answered
const hash = (password: string): Promise<Outcome> => send(port, 'POST', '/hash?user=alice', password).then(record)
const stats = async (): Promise<PoolStats> => JSON.parse((await send(port, 'GET', '/stats').then(record).then(answered)).body) as PoolStats
function record(outcome: Outcome): Outcome {
  all.push(outcome)
  return outcome
}
function answered(outcome: Outcome): Extract<Outcome, { status: number }> {
  assert.ok('status' in outcome, `expected an answer, got ${JSON.stringify(outcome)}`)
  return outcome
}
const statusesOf = (outcomes: Outcome[]): string => JSON.stringify(tally(outcomes))

try {
  // 1. Answers. Three hashes at least: the pool estimates a procedure's run time from its runs.
  for (const password of ['hunter2', 'correct horse', 'battery staple']) {
    const outcome = answered(await hash(password))
    assert.deepEqual([outcome.status, outcome.body], [200, hashPassword({ password, salt: 'alice' })])
  }
  const page = answered(await send(port, 'POST', '/render', '# Hello\n\nSome **bold** text and `code`.').then(record))
  assert.deepEqual([page.status, page.body], [200, '<h1>Hello</h1>\n<p>Some <strong>bold</strong> text and <code>code</code>.</p>'])
  const runTime = (await stats()).procedures.hashPassword?.runTime.p50 ?? NaN
  console.log(`1. /hash answers node:crypto's hash (a run takes ~${Math.round(runTime)} ms), /render its HTML`)

  // 2. A burst of 2.5 times what 2 workers finish in 2 s.
  const burst = Math.ceil((2.5 * 2 * 2_000) / runTime)
  const burstOutcomes = await Promise.all(Array.from({ length: burst }, (_, i) => hash(`burst ${i}`)))
  const ok = burstOutcomes.filter((outcome) => 'status' in outcome && outcome.status === 200)
  const refused = burstOutcomes.filter((outcome) => 'status' in outcome && outcome.status === 503)
  console.log(`2. a burst of ${burst} requests: ${statusesOf(burstOutcomes)}; 200 in ${median(ok.map((o) => o.ms))} ms (median), 503 in ${median(refused.map((o) => o.ms))} ms`)
  assert.ok(ok.length > 0 && refused.length > 0, 'the pool serves what it can in time and refuses the rest')
  for (const outcome of burstOutcomes) assert.ok('status' in outcome && [200, 503, 504].includes(outcome.status), JSON.stringify(outcome))
  for (const outcome of refused) assert.match(String('status' in outcome && outcome.retryAfter), /^\d+$/)
  assert.equal((await stats()).shed, refused.length) // every 503 is a call the pool refused (PoolOverloadedError)

  // 3. A worker SIGKILLed while 6 clients keep both busy.
  const [victim] = (await stats()).perWorker.map((worker) => worker.pid)
  let stopLoad = false
  const load = loops(6, () => hash('under load'), () => stopLoad)
  await delay(300)
  process.kill(victim as number, 'SIGKILL')
  await delay(700)
  stopLoad = true
  const killOutcomes = await load
  console.log(`3. worker ${victim} SIGKILLed under load: ${statusesOf(killOutcomes)}`)
  for (const outcome of killOutcomes) assert.equal(answered(outcome).status, 200) // its call was retried on the other worker
  assert.ok(service.lines().some((line) => line.event === 'exit' && line.pid === victim && line.reason === 'crash'))
  const afterKill = await waitFor(stats, (s) => s.restarts === 1 && s.perWorker.filter((worker) => worker.state === 'ready').length === 2)
  assert.ok(!afterKill.perWorker.some((worker) => worker.pid === victim))
  console.log(`   replaced: workers ${afterKill.perWorker.map((worker) => worker.pid).join(', ')}, stats().restarts = ${afterKill.restarts}`)

  // 4. A hostile document: quadratic for the renderer (render-markdown.ts), far past 500 ms.
  const hostile = send(port, 'POST', '/render', '*a '.repeat(30_000)).then(record)
  await delay(100)
  const meanwhile = await hash('meanwhile')
  const rendered = answered(await hostile)
  console.log(`4. a hostile document: ${rendered.status} after ${Math.round(rendered.ms)} ms; meanwhile /hash answered ${answered(meanwhile).status}`)
  assert.equal(rendered.status, 504)
  assert.equal(answered(meanwhile).status, 200)
  const afterRunaway = await waitFor(stats, (s) => s.restarts === 2 && s.perWorker.filter((worker) => worker.state === 'ready').length === 2)
  const runaway = service.lines().find((line) => line.event === 'exit' && line.reason === 'runaway')
  assert.ok(runaway !== undefined, 'the worker that ran on past its deadline was replaced')
  console.log(`   worker ${runaway.pid} killed a second after the deadline (reason runaway) and replaced: stats().restarts = ${afterRunaway.restarts}`)

  // 5. SIGTERM to the whole process group (the server and its workers) while 8 clients load it.
  const spawnsBefore = service.lines().filter((line) => line.event === 'spawn').length
  const drain = loops(8, () => hash('draining'), () => false) // until the server refuses connections
  await delay(300)
  const signalledAt = performance.now()
  process.kill(-service.pid, 'SIGTERM')
  const drainOutcomes = await drain
  const { code, signal } = await service.exited
  const inFlight = drainOutcomes.filter((outcome) => outcome.startedAt < signalledAt && outcome.startedAt + outcome.ms > signalledAt)
  console.log(`5. SIGTERM to the group under load: ${statusesOf(drainOutcomes)} (${inFlight.length} in flight at the signal); the server exited with code ${code}`)
  assert.deepEqual({ code, signal }, { code: 0, signal: null })
  for (const outcome of drainOutcomes) {
    if ('status' in outcome) assert.equal(outcome.status, 200)
    else assert.ok(['ECONNREFUSED', 'ECONNRESET'].includes(outcome.error), outcome.error) // never accepted: the server had closed
  }
  assert.ok(inFlight.length > 0, 'requests were in flight at the signal')
  const lines = service.lines()
  const closed = lines.findIndex((line) => line.step === 'server closed')
  const report = lines[closed] as LogLine & { accepted: number; answered: Record<string, number> }
  // The server answered every request it took, and exactly what the clients got.
  assert.deepEqual(report.answered, tally(all.filter((outcome) => 'status' in outcome)))
  assert.equal(report.accepted, all.filter((outcome) => 'status' in outcome).length)
  assert.equal(lines.filter((line) => line.event === 'spawn').length, spawnsBefore) // no worker started during the shutdown
  const exits = lines.slice(closed).filter((line) => line.event === 'exit')
  assert.deepEqual(exits.map((line) => line.reason), ['closed', 'closed']) // after the server closed, and not as crashes
  const stopped = lines.find((line) => line.step === 'workers stopped') as LogLine & { results: Array<{ code: number; forced: boolean }> }
  assert.deepEqual(stopped.results.map((result) => [result.code, result.forced]), [[0, false], [0, false]])
  console.log('   the server closed, then both workers stopped (code 0); none crashed or started')
} finally {
  service.kill() // a check failed: nothing of the service is left behind
}

/** Polls `read` every 50 ms until `done` holds; throws after 10 s. */
async function waitFor<T>(read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  for (const until = performance.now() + 10_000; performance.now() < until; await delay(50)) {
    const value = await read()
    if (done(value)) return value
  }
  throw new Error('waited 10 s in vain')
}
