/**
 * The README's runtime support table is what CI checks: it is rendered from the runtime
 * suite's checks and its expectations (test/runtimes/support.mjs), which each run of the suite
 * holds its results to, and CI runs the suite on every runtime of the table.
 */
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { RUNTIMES } from '../../scripts/runtimes.mjs'
import { checks } from '../runtimes/checks/index.mjs'
import { COLUMNS, GAPS, NODE_LINES } from '../runtimes/support.mjs'
import { readmeTable, renderTable } from '../runtimes/table.mjs'

const ci = readFileSync(new URL('../../.ci/run', import.meta.url), 'utf8')
const packageJsons = ['../../package.json', ...['core', 'testing', 'nats', 'tracing'].map((name) => `../../packages/${name}/package.json`)]

describe("the README's runtime support table", () => {
  it('is the one rendered from the suite (node test/runtimes/table.mjs --write updates it)', () => {
    expect(readmeTable()).toBe(renderTable())
  })

  it('has a row per check, each id once', () => {
    const ids = checks.map((check) => check.id)
    expect(new Set(ids).size).toBe(ids.length)
    for (const id of ids) expect(renderTable()).toContain(`| \`${id}\` |`)
  })

  it('lists gaps only of checks that exist and apply to their column', () => {
    const problems: string[] = []
    for (const column of COLUMNS) {
      for (const id of Object.keys(GAPS[column.id] ?? {})) {
        const check = checks.find((candidate) => candidate.id === id)
        if (check === undefined) problems.push(`${column.id}: no check "${id}"`)
        else if (column.workers !== undefined && check.scope === 'parent') problems.push(`${column.id}: "${id}" does not apply there`)
      }
    }
    expect(problems).toEqual([])
  })

  it('has columns that CI runs: the suite on each Node line, Bun and Deno; the Node-parent columns in vitest', () => {
    for (const line of NODE_LINES.filter((line) => line !== 20)) expect(ci).toContain(`node${line}`)
    expect(ci).toMatch(/test\/runtimes\/suite\.mjs/)
    for (const name of ['bun', 'deno'] as const) {
      expect(RUNTIMES[name].spec).toBe(`${name}@${COLUMNS.find((column) => column.id === name)?.title.split(' ')[1]}`)
      expect(ci).toMatch(new RegExp(`runtime_bin ${name}\\b`))
    }
  })
})

describe('engines', () => {
  it('agrees with the Node lines of the support policy in every package.json', () => {
    const policy = '^20.19.0 || ^22.12.0 || ^24.0.0 || >=26.0.0'
    expect(NODE_LINES).toEqual([20, 22, 24, 26])
    for (const path of packageJsons) expect((JSON.parse(readFileSync(new URL(path, import.meta.url), 'utf8')) as { engines: { node: string } }).engines.node, path).toBe(policy)
    expect(readFileSync(new URL('../../README.md', import.meta.url), 'utf8')).toContain(`\`${policy}\``)
  })
})
