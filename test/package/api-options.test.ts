/**
 * The tables of docs/api.md match the types: the options table of every options interface
 * (every export named `...Options`, and any other section with an options table) lists exactly
 * the options the TypeScript compiler finds on it, inherited ones included; a members table
 * (required for the worker interfaces) lists exactly its members. A new option without a row,
 * or a row whose option is gone, fails here. Reads the built declarations: run after
 * `pnpm run build`.
 */
import { describe, expect, it } from 'vitest'
import { readApiDoc, rowName, tableOf } from './api-doc.js'
import { loadPublicApi } from './declarations.js'

const api = loadPublicApi()
const sections = new Map(readApiDoc().map((section) => [section.name, section]))
/** Each exported name once (the channel entry re-exports core's types: the same declarations). */
const exports = [...new Map(api.exports.map((exported) => [exported.name, exported])).values()]

/** What the type has that the table lacks, and what the table lists that the type lacks (or twice). */
function difference(documented: ReadonlyArray<string | undefined>, actual: readonly string[]): { undocumented: string[]; gone: string[] } {
  const rows = documented.map((name) => name ?? '(a row without a name)')
  return {
    undocumented: actual.filter((name) => !rows.includes(name)),
    gone: rows.filter((name, i) => !actual.includes(name) || rows.indexOf(name) !== i),
  }
}

/** The interfaces whose sections must list their members. */
const workerInterfaces = ['ContractWorker', 'RpcWorker', 'ThreadWorker', 'Pool', 'TestPair', 'MockWorker']

describe('the options tables of docs/api.md', () => {
  const options = exports.filter(({ name }) => name.endsWith('Options') || (sections.get(name) !== undefined && tableOf(sections.get(name)!, 'option') !== undefined))

  it('cover every options interface', () => {
    expect(options.length).toBeGreaterThan(30)
    expect(options.filter(({ name }) => sections.get(name) === undefined || tableOf(sections.get(name)!, 'option') === undefined).map(({ name }) => name)).toEqual([])
  })

  it.each(options.map((exported) => [exported.name, exported] as const))('%s: one row per option, inherited ones included', (name, exported) => {
    const table = tableOf(sections.get(name)!, 'option')
    expect(table?.header, `the table of ${name}`).toEqual(['option', 'default', 'meaning'])
    const documented = (table?.rows ?? []).map(rowName)
    expect(documented.filter((row) => row === undefined), `rows of ${name} without an option in a code span`).toEqual([])
    expect((table?.rows ?? []).filter((row) => row.length !== 3 || row.some((cell) => cell === '')).map((row) => row[0]), `rows of ${name} with an empty cell`).toEqual([])
    expect(difference(documented, api.propertiesOf(exported.symbol)), `the options table of ${name} against the type`).toEqual({ undocumented: [], gone: [] })
  })
})

describe('the members tables of docs/api.md', () => {
  const withMembers = exports.filter(({ name }) => workerInterfaces.includes(name) || (sections.get(name) !== undefined && tableOf(sections.get(name)!, 'member') !== undefined))

  it('cover the worker interfaces', () => {
    expect(workerInterfaces.filter((name) => sections.get(name) === undefined || tableOf(sections.get(name)!, 'member') === undefined)).toEqual([])
  })

  it.each(withMembers.map((exported) => [exported.name, exported] as const))('%s: one row per member', (name, exported) => {
    const documented = (tableOf(sections.get(name)!, 'member')?.rows ?? []).map(rowName)
    expect(difference(documented, api.propertiesOf(exported.symbol)), `the members table of ${name} against the type`).toEqual({ undocumented: [], gone: [] })
  })
})
