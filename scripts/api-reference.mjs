/**
 * The API reference: docs/api/ (committed; it starts at docs/api/index.md), a page per export
 * of every entry point of the packages, rendered from their TSDoc by api-documenter from the
 * doc models that API Extractor writes beside the API reports (scripts/api-report.mjs, into
 * node_modules/.cache/api-model/).
 *
 *   node scripts/api-reference.mjs           (in pnpm run lint:api) fails when docs/api/ is not
 *                                            what the TSDoc renders to, naming each file that
 *                                            differs, is missing or is left over
 *   node scripts/api-reference.mjs --update  (in pnpm run api:update) rewrites docs/api/
 *
 * Why API Extractor's doc model with api-documenter (and not TypeDoc): API Extractor already
 * makes the API reports and checks the TSDoc of every export, so one tool reads the API once
 * for both, and the reference shows exactly the API the reports review; it parses TSDoc
 * natively ({@link} with overload selectors, @remarks, @example), as the sources are written.
 *
 * An entry point other than a package's main one is rendered as a package of its own, named
 * by its import path (`@forkrpc/core/channel`, `@forkrpc/testing/vitest`).
 */
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
const update = process.argv.includes('--update')
const models = join(root, 'node_modules', '.cache', 'api-model')
const reference = join(root, 'docs', 'api')
const documenter = join(root, 'node_modules', '.bin', 'api-documenter')

/**
 * Each entry point: its doc model's file, and the package name it is rendered under. An
 * import path is no package name, which api-documenter requires: a subpath entry point is
 * rendered as `@forkrpc/<package>_<subpath>` (its pages `<package>_<subpath>.*.md`), and
 * the name in the text then becomes its import path.
 */
const entries = [
  ['core.index', '@forkrpc/core'],
  ['core.channel-api', '@forkrpc/core_channel', '@forkrpc/core/channel'],
  ['testing.index', '@forkrpc/testing'],
  ['testing.vitest', '@forkrpc/testing_vitest', '@forkrpc/testing/vitest'],
  ['nats.index', '@forkrpc/nats'],
  ['tracing.index', '@forkrpc/tracing'],
]

/** Every file under `folder`, as paths relative to it. */
function filesUnder(folder, base = folder) {
  if (!existsSync(folder)) return []
  return readdirSync(folder, { withFileTypes: true }).flatMap((entry) => {
    const path = join(folder, entry.name)
    return entry.isDirectory() ? filesUnder(path, base) : [relative(base, path)]
  })
}

const work = mkdtempSync(join(tmpdir(), 'forkrpc-api-reference-'))
try {
  const input = join(work, 'model')
  mkdirSync(input)
  for (const [file, name] of entries) {
    const path = join(models, `${file}.api.json`)
    if (!existsSync(path)) {
      console.error(`${path} is missing: run \`node scripts/api-report.mjs\` first (pnpm run lint:api does)`)
      process.exit(1)
    }
    const model = JSON.parse(readFileSync(path, 'utf8'))
    model.name = name
    writeFileSync(join(input, `${file}.api.json`), JSON.stringify(model))
  }
  const output = update ? reference : join(work, 'api')
  const log = execFileSync(documenter, ['markdown', '--input-folder', input, '--output-folder', output], { encoding: 'utf8' })
  // api-documenter warns (an unresolved {@link}, ...) without failing: a warning fails here.
  const warnings = log.split('\n').filter((line) => /warning|error/i.test(line))
  if (warnings.length > 0) {
    console.error(`api-documenter:\n${warnings.join('\n')}`)
    process.exit(1)
  }
  // A subpath entry point's name in the text: its import path.
  for (const [, name, importPath] of entries) {
    if (importPath === undefined) continue
    const [scope, renamed] = [name.split('/')[0], name.split('/')[1].replace('_', '\\_')]
    const heading = `## ${renamed} package`
    for (const file of filesUnder(output)) {
      const path = join(output, file)
      const text = readFileSync(path, 'utf8')
      const named = text.replaceAll(`${scope}/${renamed}`, importPath).replaceAll(heading, `## ${importPath} entry point`)
      if (named !== text) writeFileSync(path, named)
    }
  }
  if (update) {
    console.log(`docs/api/: ${filesUnder(reference).length} pages written`)
  } else {
    const committed = new Set(filesUnder(reference))
    const rendered = new Set(filesUnder(output))
    const stale = []
    for (const file of rendered) {
      if (!committed.has(file)) stale.push(`missing:   docs/api/${file}`)
      else if (readFileSync(join(output, file), 'utf8') !== readFileSync(join(reference, file), 'utf8')) stale.push(`differs:   docs/api/${file}`)
    }
    for (const file of committed) if (!rendered.has(file)) stale.push(`left over: docs/api/${file}`)
    if (stale.length > 0) {
      console.error(`The API reference is out of date with the TSDoc:\n${stale.sort().join('\n')}\nRun \`pnpm run api:update\` and commit docs/api/.`)
      process.exit(1)
    }
    console.log(`docs/api/: up to date (${rendered.size} pages)`)
  }
} finally {
  rmSync(work, { recursive: true, force: true })
}
