/**
 * docs/api.md documents every export of the entry points, runtime or type (a section
 * `### \`name\`` with a ```ts example), once, and documents nothing that is not exported.
 * Exports come from the built declarations (run after `pnpm run build`).
 */
import { describe, expect, it } from 'vitest'
import { readApiDoc } from './api-doc.js'
import { entryPoints, loadPublicApi, type EntryPoint } from './declarations.js'

const api = loadPublicApi()
const sections = readApiDoc()
const byName = new Map(sections.map((section) => [section.name, section]))

describe('docs/api.md', () => {
  it.each(Object.keys(entryPoints) as EntryPoint[])('has a section, with an example, for every export of %s', (entry) => {
    const problems: string[] = []
    for (const { name } of api.exports.filter((exported) => exported.entry === entry)) {
      const section = byName.get(name)
      if (section === undefined) problems.push(`lacks "### \`${name}\`"`)
      else if (!section.text.includes('```ts')) problems.push(`the section of ${name} has no \`\`\`ts example`)
    }
    expect(problems).toEqual([])
  })

  it('documents each name once', () => {
    const seen = new Set<string>()
    expect(sections.map((section) => section.name).filter((name) => seen.size === seen.add(name).size)).toEqual([])
  })

  it('documents no export that does not exist', () => {
    const exported = new Set(api.exports.map((exported) => exported.name))
    expect(sections.map((section) => section.name).filter((name) => !exported.has(name))).toEqual([])
  })
})
