/**
 * thread-vs-process: the same contract and the same worker module, once in a forked child
 * process and once in a worker thread; the choice is one line. Prints the startup time,
 * the memory and the round-trip latency of each, side by side.
 *
 * Run: pnpm exec tsx examples/thread-vs-process/main.ts
 */
import assert from 'node:assert/strict'
import { fork, spawnThread, type ContractWorker } from '@forkrpc/core'
import { probe } from './probe.contract.js'

console.log('== thread-vs-process: one contract, two transports ==')

// Named as it is after a build: under tsx, probe.worker.ts beside it runs (in a thread too).
const workerModule = new URL('./probe.worker.js', import.meta.url)

/** The one line that differs. */
const start = {
  process: () => fork(probe, workerModule),
  thread: () => spawnThread(probe, workerModule),
}

interface Figures {
  startupMs: number
  memoryMiB: number
  heapMiB: number
  roundTripUs: number
}

async function measure(kind: keyof typeof start): Promise<Figures> {
  const rssBefore = process.memoryUsage().rss
  const started = performance.now()
  const worker: ContractWorker<typeof probe> = await start[kind]()
  const startupMs = performance.now() - started
  try {
    for (let i = 0; i < 3_000; i++) await worker.call.add({ a: i, b: 1 }) // warm-up
    const samples: number[] = []
    for (let i = 0; i < 3_000; i++) {
      const t = performance.now()
      assert.equal(await worker.call.add({ a: i, b: 1 }), i + 1)
      samples.push(performance.now() - t)
    }
    samples.sort((a, b) => a - b)
    const own = await worker.call.memory()
    // A process has its own memory; a thread's is part of this process's, so count what
    // this process grew by.
    const memory = kind === 'process' ? own.rss : process.memoryUsage().rss - rssBefore
    return { startupMs, memoryMiB: memory / 2 ** 20, heapMiB: own.heapUsed / 2 ** 20, roundTripUs: (samples[samples.length >> 1] as number) * 1_000 }
  } finally {
    await worker.close()
  }
}

const figures = { process: await measure('process'), thread: await measure('thread') }

const rows: Array<[string, (f: Figures) => string]> = [
  ['startup to ready', (f) => `${f.startupMs.toFixed(0)} ms`],
  ['memory (RSS added)', (f) => `${f.memoryMiB.toFixed(1)} MiB`],
  ["worker's JS heap", (f) => `${f.heapMiB.toFixed(1)} MiB`],
  ['round trip (median)', (f) => `${f.roundTripUs.toFixed(0)} µs`],
]
console.log(`\n${''.padEnd(22)}${'process'.padStart(12)}${'thread'.padStart(12)}`)
for (const [label, format] of rows) console.log(`${label.padEnd(22)}${format(figures.process).padStart(12)}${format(figures.thread).padStart(12)}`)
console.log('\n(one run on this machine, with tsx compiling the worker in each; figures, not a benchmark)')

for (const f of Object.values(figures)) assert.ok(f.startupMs > 0 && f.roundTripUs > 0 && f.heapMiB > 0)
