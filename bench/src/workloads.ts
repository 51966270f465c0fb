/**
 * The pool workloads, every task queued at once on pools of 2 workers:
 * A, tiny tasks (the sha1 of a 100-byte string), for tasks/s and the parent's CPU per task;
 * B, a real workload (terser over the files of lodash-es and rxjs), for the wall time.
 * Every subject's outputs are checked against the inline computation: a difference throws.
 */
import { readFileSync } from 'node:fs'
import { readdir, readFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { dirname, join, relative } from 'node:path'
import { inspect } from 'node:util'
import type { PoolSubject, StartedPool } from './pools.js'
import { summarize, type Row } from './stats.js'
import { minifyCode, sha1Hex } from './tasks.js'

export interface WorkloadSettings {
  /** Workload A: tasks per round, untimed warm-up rounds, measured rounds. */
  tinyTasks: number
  tinyWarmRounds: number
  tinyRounds: number
  /** Workload B: every `terserStride`-th file of the corpus (1: all of it), warm-up and measured rounds. */
  terserStride: number
  terserWarmRounds: number
  terserRounds: number
}

/** A file to minify. */
export interface SourceFile {
  /** Its path relative to the package directory, e.g. `rxjs/dist/esm/internal/Observable.js`. */
  name: string
  source: string
}

export interface PoolResults {
  tinyTasks: number
  corpus: { files: number; bytes: number; from: string }
  /** Per subject (and `inline`): `tasks/s`, `parent CPU µs/task`, `main thread CPU µs/task`, `runtime`. */
  tiny: Row[]
  /** Per subject (and `inline`): `wall ms`, `parent CPU ms`, `runtime`. */
  terser: Row[]
}

/** The subject name of the reference rows: the same work done in the parent, one task after another. */
export const INLINE = 'inline (in the parent, sequentially)'

/** A 100-byte ASCII string, different for every task index. */
export function tinyInput(index: number): string {
  return `task ${String(index).padStart(8, '0')} `.padEnd(100, String.fromCharCode(97 + (index % 26)))
}

/** Files of at least this size make the corpus: 255 files, 528,003 bytes (lodash-es 4.18.1, rxjs 7.8.2). */
const MIN_FILE_BYTES = 1_024
export const CORPUS_DESCRIPTION = `the .js files of at least ${MIN_FILE_BYTES} bytes in lodash-es's package directory (not its subfolders) and in rxjs's dist/esm (its ES2015 ESM build, the \`es2015\` export condition)`

async function jsFiles(directory: string, recursive: boolean): Promise<string[]> {
  const entries = await readdir(directory, { withFileTypes: true })
  const found: string[] = []
  for (const entry of entries) {
    const path = join(directory, entry.name)
    if (entry.isDirectory() && recursive) found.push(...(await jsFiles(path, true)))
    else if (entry.isFile() && entry.name.endsWith('.js')) found.push(path)
  }
  return found
}

/** The terser corpus, in a stable order (sorted by path). */
export async function terserCorpus(): Promise<SourceFile[]> {
  const require = createRequire(import.meta.url)
  const lodash = dirname(require.resolve('lodash-es/package.json'))
  const rxjs = dirname(require.resolve('rxjs/package.json'))
  const paths = [...(await jsFiles(lodash, false)), ...(await jsFiles(join(rxjs, 'dist', 'esm'), true))]
  const files: SourceFile[] = []
  for (const path of paths) {
    const source = await readFile(path, 'utf8')
    if (Buffer.byteLength(source) >= MIN_FILE_BYTES) files.push({ name: relative(dirname(path.startsWith(lodash) ? lodash : rxjs), path), source })
  }
  return files.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
}

/** Throws unless `got` is exactly `expected`, naming the subject and the first task that differs. */
function check(subject: string, workload: string, got: readonly string[], expected: readonly string[], label: (index: number) => string): void {
  if (got.length !== expected.length) throw new Error(`${subject}: ${workload} returned ${got.length} results for ${expected.length} tasks`)
  for (let i = 0; i < expected.length; i++) {
    if (got[i] !== expected[i]) {
      throw new Error(`${subject}: ${workload}, the result of ${label(i)} differs from the inline computation: ${JSON.stringify(got[i]).slice(0, 120)} instead of ${JSON.stringify(expected[i]).slice(0, 120)}`)
    }
  }
}

/** A round or a start that takes longer than this fails the run (a subject that stopped answering). */
const NO_ANSWER_MS = 180_000

/** `promise`, or a rejection naming `what` if it fails or has not settled within `ms`: fails loudly instead of hanging. */
function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms / 1_000} s`)), ms)
  })
  const named = promise.catch((error: unknown) => {
    throw new Error(`${what} failed: ${error instanceof Error ? error.message : inspect(error)}`, { cause: error })
  })
  return Promise.race([named, timeout]).finally(() => clearTimeout(timer))
}

/** CPU time of this thread alone, in µs (Linux: /proc/thread-self/stat, 10 ms ticks); NaN elsewhere. */
function mainThreadCpu(): number {
  try {
    const stat = readFileSync('/proc/thread-self/stat', 'utf8')
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    // utime and stime are fields 14 and 15 of the line, 11 and 12 after the name; USER_HZ is 100 on Linux.
    return (Number(fields[11]) + Number(fields[12])) * 10_000
  } catch {
    return NaN
  }
}

/** Runs one round and measures its wall time (ms), the process's CPU and the main thread's CPU (µs). */
async function timed(run: () => Promise<string[]>): Promise<{ outputs: string[]; ms: number; cpu: number; mainCpu: number }> {
  const cpu = process.cpuUsage()
  const mainCpu = mainThreadCpu()
  const start = performance.now()
  const outputs = await run()
  const ms = performance.now() - start
  const used = process.cpuUsage(cpu)
  return { outputs, ms, cpu: used.user + used.system, mainCpu: mainThreadCpu() - mainCpu }
}

/** A way to run a whole round of one workload: a pool (every task queued at once), or inline. */
interface Runner {
  name: string
  runtime: 'process' | 'thread' | 'inline'
  sha1All(inputs: readonly string[]): Promise<string[]>
  minifyAll(files: readonly SourceFile[]): Promise<string[]>
}

function poolRunner(subject: PoolSubject, pool: StartedPool): Runner {
  return {
    name: subject.name,
    runtime: subject.runtime,
    sha1All: (inputs) => Promise.all(inputs.map((input) => pool.sha1(input))),
    minifyAll: (files) => Promise.all(files.map((file) => pool.minify(file.source))),
  }
}

const inlineRunner: Runner = {
  name: INLINE,
  runtime: 'inline',
  async sha1All(inputs) {
    const outputs: string[] = []
    for (const input of inputs) outputs.push(sha1Hex(input))
    return outputs
  },
  async minifyAll(files) {
    const outputs: string[] = []
    for (const file of files) outputs.push(await minifyCode(file.source))
    return outputs
  },
}

/**
 * Both workloads on every pool (started together, closed at the end, also on failure) and
 * inline; rounds interleaved across subjects in a rotating order, like the latency rows.
 */
export async function measurePools(subjects: readonly PoolSubject[], settings: WorkloadSettings, log: (text: string) => void): Promise<PoolResults> {
  const inputs = Array.from({ length: settings.tinyTasks }, (_, i) => tinyInput(i))
  const expectedDigests = inputs.map(sha1Hex)
  // No terser rounds (`--calls-only`): no corpus either.
  const terser = settings.terserWarmRounds + settings.terserRounds > 0
  const corpus = terser ? (await terserCorpus()).filter((_, i) => i % settings.terserStride === 0) : []
  const corpusBytes = corpus.reduce((sum, file) => sum + Buffer.byteLength(file.source), 0)
  log(`pool workloads: ${inputs.length.toLocaleString('en-US')} tiny tasks; terser over ${corpus.length} files (${Math.round(corpusBytes / 1_024)} KB)`)
  const expectedCode = await inlineRunner.minifyAll(corpus)

  const started: StartedPool[] = []
  try {
    const runners: Runner[] = []
    for (const subject of subjects) {
      log(`starting ${subject.name}`)
      const pool = await within(subject.start(), NO_ANSWER_MS, `starting ${subject.name}`)
      started.push(pool)
      runners.push(poolRunner(subject, pool))
    }
    runners.push(inlineRunner)

    const tinySamples = runners.map(() => ({ rate: [] as number[], cpu: [] as number[], mainCpu: [] as number[] }))
    const tinyRounds = settings.tinyWarmRounds + settings.tinyRounds
    for (let round = 0; round < tinyRounds; round++) {
      log(`tiny tasks, round ${round + 1} of ${tinyRounds}${round < settings.tinyWarmRounds ? ' (warm-up)' : ''}`)
      for (let k = 0; k < runners.length; k++) {
        const s = (k + round) % runners.length
        const runner = runners[s] as Runner
        const { outputs, ms, cpu, mainCpu } = await timed(() => within(runner.sha1All(inputs), NO_ANSWER_MS, `${runner.name}, tiny tasks`))
        check(runner.name, 'tiny tasks', outputs, expectedDigests, (i) => `task ${i}`)
        if (round < settings.tinyWarmRounds) continue
        tinySamples[s]?.rate.push(inputs.length / (ms / 1_000))
        tinySamples[s]?.cpu.push(cpu / inputs.length)
        tinySamples[s]?.mainCpu.push(mainCpu / inputs.length)
      }
    }

    const terserSamples = runners.map(() => ({ ms: [] as number[], cpu: [] as number[] }))
    const terserRounds = settings.terserWarmRounds + settings.terserRounds
    for (let round = 0; round < terserRounds; round++) {
      log(`terser, round ${round + 1} of ${terserRounds}${round < settings.terserWarmRounds ? ' (warm-up)' : ''}`)
      for (let k = 0; k < runners.length; k++) {
        const s = (k + round) % runners.length
        const runner = runners[s] as Runner
        const { outputs, ms, cpu } = await timed(() => within(runner.minifyAll(corpus), NO_ANSWER_MS, `${runner.name}, terser`))
        check(runner.name, 'terser', outputs, expectedCode, (i) => corpus[i]?.name ?? String(i))
        if (round < settings.terserWarmRounds) continue
        terserSamples[s]?.ms.push(ms)
        terserSamples[s]?.cpu.push(cpu / 1_000)
      }
    }

    return {
      tinyTasks: inputs.length,
      corpus: { files: corpus.length, bytes: corpusBytes, from: CORPUS_DESCRIPTION },
      tiny: runners.map((runner, s) => ({
        subject: runner.name,
        runtime: runner.runtime,
        'tasks/s': summarize(tinySamples[s]?.rate ?? []),
        'parent CPU µs/task': summarize(tinySamples[s]?.cpu ?? []),
        'main thread CPU µs/task': summarize(tinySamples[s]?.mainCpu ?? []),
      })),
      terser: !terser ? [] : runners.map((runner, s) => ({
        subject: runner.name,
        runtime: runner.runtime,
        'wall ms': summarize(terserSamples[s]?.ms ?? []),
        'parent CPU ms': summarize(terserSamples[s]?.cpu ?? []),
      })),
    }
  } finally {
    for (const [s, pool] of started.entries()) {
      const name = subjects[s]?.name ?? 'a pool'
      await within(pool.close(), 30_000, `closing ${name}`).catch((error: unknown) => log(`closing ${name} failed: ${String(error)}`))
    }
  }
}
