/**
 * The API reports: every export of each entry point of the packages, as API Extractor sees it
 * in the built .d.ts, in packages/<package>/api/<entry>.api.md (committed). Configs:
 * packages/<package>/api-extractor.<entry>.json, which extend api-extractor.base.json.
 *
 *   node scripts/api-report.mjs           (pnpm run lint:api) fails when a report differs from
 *                                         the API (printing the difference), or on any warning
 *                                         (a forgotten export, a broken {@link}, bad TSDoc)
 *   node scripts/api-report.mjs --update  (pnpm run api:update) rewrites the reports; still
 *                                         fails on any other warning
 *
 * Both read dist/: build first (`pnpm test` does; `pnpm run api:update` builds by itself).
 * Both also write each entry point's doc model (node_modules/.cache/api-model/), from which
 * scripts/api-reference.mjs renders the API reference (docs/api/); an export, or a member of
 * one, without a summary is a warning (ae-undocumented), so the reference has no empty cell.
 */
import { readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import extractor from '@microsoft/api-extractor'

const { Extractor, ExtractorConfig, ExtractorLogLevel } = extractor
const root = fileURLToPath(new URL('..', import.meta.url))
const update = process.argv.includes('--update')

/** Each entry point with a report: its package folder and the name of its source file. */
const entries = [
  ['core', 'index'],
  ['core', 'channel-api'],
  ['testing', 'index'],
  ['testing', 'vitest'],
  ['nats', 'index'],
  ['tracing', 'index'],
]

/** What an update reports by design, not a problem. */
const expectedOnUpdate = new Set(['console-api-report-copied', 'console-api-report-created'])

/** The newest modification time of the files under `folder`. */
function newest(folder) {
  let latest = 0
  for (const entry of readdirSync(folder, { withFileTypes: true })) {
    const path = join(folder, entry.name)
    latest = Math.max(latest, entry.isDirectory() ? newest(path) : statSync(path).mtimeMs)
  }
  return latest
}

let failed = 0
for (const [pkg, entry] of entries) {
  const folder = join(root, 'packages', pkg)
  const declarations = join(folder, 'dist', `${entry}.d.ts`)
  let built = 0
  try {
    built = statSync(declarations).mtimeMs
  } catch {}
  if (built < newest(join(folder, 'src'))) {
    console.error(`${pkg}/${entry}: ${declarations} is missing or older than src/: run \`pnpm run build\` first`)
    failed++
    continue
  }
  const config = ExtractorConfig.loadFileAndPrepare(join(folder, `api-extractor.${entry}.json`))
  let problems = 0
  const result = Extractor.invoke(config, {
    localBuild: update,
    printApiReportDiff: !update,
    messageCallback(message) {
      const serious = message.logLevel === ExtractorLogLevel.Warning || message.logLevel === ExtractorLogLevel.Error
      if (serious && !(update && expectedOnUpdate.has(message.messageId))) problems++
    },
  })
  const ok = result.succeeded && problems === 0
  if (!ok) failed++
  const what = update ? (result.apiReportChanged ? 'report updated' : 'report unchanged') : result.apiReportChanged ? 'report OUT OF DATE' : 'report up to date'
  console.log(`@forkrpc/${pkg} ${entry}: ${what}${problems > 0 ? `, ${problems} problem(s) above` : ''}`)
}
if (failed > 0) {
  console.error(update ? '\nFix the problems above.' : '\nThe public API and its reports disagree: check the changes above, then run `pnpm run api:update` and commit the reports.')
  process.exit(1)
}
