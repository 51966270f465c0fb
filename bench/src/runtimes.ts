/**
 * The runtime rows: on each runtime of the README's support table (this Node, Node 22, 24 and
 * 26, Bun, Deno: scripts/runtimes.mjs installs them), forkrpc's `fork()` against that
 * runtime's own raw `process.send`, parent and worker both on it (runtime-pair.ts run by it).
 */
import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { runtimeCommand, type RuntimeName } from '../../scripts/runtimes.mjs'
import type { PairResults, PairSettings } from './measure.js'
import { FORKRPC_PROCESS, RAW_PROCESS } from './process-subjects.js'
import { round, table, type Row, type Summary } from './stats.js'

/** The other runtimes measured, after this process's own Node. */
const OTHERS: readonly RuntimeName[] = ['node22', 'node24', 'node26', 'bun', 'deno']

/** One runtime's pair of rows, or why it could not be measured. */
export type RuntimeResult = ({ runtime: string } & PairResults) | { runtime: string; failed: string }

/** Measures every runtime in turn (never two at once: they would share the CPUs). */
export async function measureRuntimes(settings: PairSettings, log: (text: string) => void): Promise<RuntimeResult[]> {
  const entry = fileURLToPath(new URL('./runtime-pair.js', import.meta.url))
  const commands: Array<[string, () => { execPath: string; execArgv: string[] }]> = [
    [`Node ${process.version}`, () => ({ execPath: process.execPath, execArgv: [] })],
    ...OTHERS.map((name): [string, () => { execPath: string; execArgv: string[] }] => [name, () => runtimeCommand(name)]),
  ]
  const results: RuntimeResult[] = []
  for (const [name, command] of commands) {
    log(`runtime rows: ${name}`)
    try {
      const { execPath, execArgv } = command()
      const child = promisify(execFile)(execPath, [...execArgv, entry, JSON.stringify(settings)], { maxBuffer: 16 * 2 ** 20 })
      child.child.stderr?.on('data', (data: Buffer) => log(String(data).trimEnd()))
      const { stdout } = await child
      results.push(JSON.parse(stdout.trim().split('\n').at(-1) ?? '') as RuntimeResult)
    } catch (error) {
      results.push({ runtime: name, failed: (error as Error).message.split('\n')[0] ?? String(error) })
    }
  }
  return results
}

const summary = (rows: readonly Row[], subject: string, column: string): Summary | undefined => rows.find((row) => row.subject === subject)?.[column] as Summary | undefined

/** `forkrpc's median (ratio to raw's median, best: ratio of the best repetitions)`. */
function ratioCell(ours: Summary | undefined, raw: Summary | undefined, higherIsBetter: boolean): string {
  if (ours === undefined || raw === undefined) return 'n/a'
  const best = higherIsBetter ? ours.max / raw.max : ours.min / raw.min
  return `${round(ours.median)} vs ${round(raw.median)}: **${(ours.median / raw.median).toFixed(2)}x** (best ${best.toFixed(2)}x)`
}

/** The report's section of the runtime rows. */
export function renderRuntimes(runtimes: readonly RuntimeResult[] | undefined): string[] {
  if (runtimes === undefined) return ['\n**Runtime rows**: not in these results (measured before the section existed).']
  const rows = runtimes.map((result) => {
    if ('failed' in result) return [result.runtime, `not measured: ${result.failed}`, '', '']
    return [
      result.runtime,
      ...['tiny', '~1 KB'].map((column) => ratioCell(summary(result.latency, FORKRPC_PROCESS, column), summary(result.latency, RAW_PROCESS, column), false)),
      ratioCell(summary(result.throughput, FORKRPC_PROCESS, '100 in flight'), summary(result.throughput, RAW_PROCESS, '100 in flight'), true),
    ]
  })
  return [
    "\n**Runtimes: forkrpc (json) against that runtime's own raw `process.send` (json)**, parent and worker on the same runtime (latency: µs per call, lower is better; throughput: calls/s, higher is better; medians, and the ratio of the best repetitions)\n",
    table(['runtime', 'tiny call latency', '~1 KB call latency', 'throughput, 100 in flight'], rows),
  ]
}
