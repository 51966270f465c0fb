// What the runtime suite expects where: the README's support table is rendered from this
// (test/runtimes/table.mjs), and each run of the suite fails when a check's result differs
// from it, either way. A check not listed under a column's `gaps` must pass there.
import { RUNTIMES } from '../../scripts/runtimes.mjs'

/** The Node lines CI runs the suite on (the machine's Node, then node22/24/26 from runtimes.mjs). */
export const NODE_LINES = [20, 22, 24, 26]

const pinned = (name) => RUNTIMES[name].spec.split('@')[1]

/**
 * The table's columns. `parent`: the runtime the suite (the parent) runs on; `workers`: the
 * runtime its worker processes run on, when another one (`execPath`).
 */
export const COLUMNS = [
  { id: 'node', title: `Node ${NODE_LINES.join(', ')}`, parent: 'node' },
  { id: 'bun', title: `Bun ${pinned('bun')}`, parent: 'bun' },
  { id: 'deno', title: `Deno ${pinned('deno')}`, parent: 'deno' },
  { id: 'node-bun', title: 'Node parent, Bun workers', parent: 'node', workers: 'bun' },
  { id: 'node-deno', title: 'Node parent, Deno workers', parent: 'node', workers: 'deno' },
]

/**
 * A known gap: why the check fails there (the table's footnote), and what its failure says
 * (`failure`, matched against the error's message), so that a check failing for another
 * reason is a failure of the run too.
 */
const gap = (reason, failure) => ({ reason, failure })

const BUN_RESOURCE_LIMITS = gap(
  "Bun 1.4.5 ignores `resourceLimits`: a thread allocated 256 MB under `maxOldGenerationSizeMb: 32` and its call returned. A pool's `maxHeapBytes` (each worker checks its own heap after a call) works on Bun",
  /expected a rejection, but it resolved/,
)
const BUN_INSPECTOR = gap(
  "`node:inspector`'s `url()` is undefined on Bun: a worker started with `--inspect` runs Bun's WebKit inspector (its `debug.bun.sh` URL is on the worker's stderr), and `inspectorUrl` stays undefined",
  /'undefined'/,
)
const DENO_INSPECTOR = gap(
  "Deno translates the worker's `--inspect` into its own flag and leaves it out of the worker's `process.execArgv`, which is where `serve()` looks before loading `node:inspector`: the inspector is open (its URL is on the worker's stderr), `inspectorUrl` stays undefined",
  /'undefined'/,
)

/** Per column: the checks known to fail there. */
export const GAPS = {
  node: {},
  bun: {
    stacks: gap(
      "On Bun (JavaScriptCore) the caller's frames that forkrpc takes from the engine's async stack trace when a call fails lack the function that awaited the call: `callerThatAwaits` is missing, the functions further out are there. The worker's frames and the crossing line are there",
      /no frame of the function that awaited the call/,
    ),
    'thread-limits': BUN_RESOURCE_LIMITS,
    'thread-limits-liveness': BUN_RESOURCE_LIMITS,
    inspect: BUN_INSPECTOR,
    'thread-inspect': BUN_INSPECTOR,
  },
  deno: {
    'thread-limits': gap(
      "On Deno 2.9.6 a thread over its heap limit stops without an 'error' or 'exit' event and answers nothing: its calls wait for their timeout, or for `unresponsiveAfter` to give up on it (the next row)",
      /the call rejects: not within/,
    ),
    inspect: DENO_INSPECTOR,
  },
  'node-bun': {
    advanced: gap(
      "Bun's structured-clone bytes are JSC's, not V8's: a Bun worker cannot read a Node parent's `advanced` messages and drops the channel (`StartupError`). Use `json` (the default) across runtimes",
      /StartupError/,
    ),
    inspect: BUN_INSPECTOR,
  },
  'node-deno': {
    advanced: gap(
      "Deno 2.9.6's V8 writes a serializer version that Node 20 to 26 cannot read: the first message makes Node's IPC reader throw, uncaught, and the parent dies. Use `json` (the default) across runtimes",
      /Unable to deserialize cloned data due to invalid or unsupported version/,
    ),
    inspect: DENO_INSPECTOR,
  },
}

/** The column of a run: the parent's runtime, and the workers' when they run on another. */
export function columnOf(parent, workers) {
  const id = workers === undefined ? parent : `${parent}-${workers}`
  const column = COLUMNS.find((candidate) => candidate.id === id)
  if (column === undefined) throw new Error(`the support table has no column for a ${parent} parent${workers === undefined ? '' : ` with ${workers} workers`}`)
  return column
}
