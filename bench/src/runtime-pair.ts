/**
 * The runtime rows' measurement, run by each runtime as the parent (`bun dist/runtime-pair.js
 * '<settings>'`, `deno run -A ...`): raw `process.send` and forkrpc's `fork()` (json), their
 * workers on the same runtime, measured as the thread rows are (measure.ts: one call in flight
 * with the tiny and ~1 KB payloads, then 100 in flight). Prints the results as JSON on stdout;
 * progress goes to stderr. Started by runtimes.ts.
 */
import { measurePair, type PairSettings } from './measure.js'
import { forkrpc, raw } from './process-subjects.js'

const settings = JSON.parse(process.argv[2] ?? '') as PairSettings
const runtime = process.versions.bun !== undefined ? `Bun ${process.versions.bun}` : process.versions.deno !== undefined ? `Deno ${process.versions.deno}` : `Node ${process.version}`
const results = await measurePair([raw('json'), forkrpc('json')], settings, runtime, (text) => void process.stderr.write(`${text}\n`))
process.stdout.write(`${JSON.stringify({ runtime, ...results })}\n`)
