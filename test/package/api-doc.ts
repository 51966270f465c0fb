/**
 * docs/api.md read as data: its sections (`### \`name\``, one per export) and the tables in
 * them. The first column of an options table (`| option | default | meaning |`) or a members
 * table (`| member | meaning |`) names one property per row, in a code span.
 */
import { readFileSync } from 'node:fs'
import { splitAtHeadings, tablesOf, type Table } from './markdown.js'

/** One `### \`name\`` section, up to the next heading of level 2 or 3. */
export interface Section {
  readonly name: string
  readonly text: string
  readonly tables: readonly Table[]
}

export const apiDocPath = new URL('../../docs/api.md', import.meta.url)

/** The sections of docs/api.md in order (a name may appear twice: the tests refuse that). */
export function readApiDoc(text = readFileSync(apiDocPath, 'utf8')): Section[] {
  const sections: Section[] = []
  for (const part of splitAtHeadings(text, 3)) {
    const heading = /^### `([^`]+)`[ \t]*$/m.exec(part.split('\n')[0] as string)
    if (heading !== null) sections.push({ name: heading[1] as string, text: part, tables: tablesOf(part) })
  }
  return sections
}

/** The property a table row names: its first code span, without a call's parentheses. */
export function rowName(row: readonly string[]): string | undefined {
  return /^`([^`(]+)/.exec(row[0] ?? '')?.[1]?.trim()
}

/** The table of `kind` (`option` or `member`: its first header cell) in a section, if any. */
export function tableOf(section: Section, kind: 'option' | 'member'): Table | undefined {
  return section.tables.find((table) => table.header[0] === kind)
}
