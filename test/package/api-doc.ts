/**
 * docs/api.md read as data: its sections (`### \`name\``, one per export) and the tables in
 * them. The first column of an options table (`| option | default | meaning |`) or a members
 * table (`| member | meaning |`) names one property per row, in a code span.
 */
import { readFileSync } from 'node:fs'

/** One table: its header cells and the cells of each row. */
export interface Table {
  readonly header: readonly string[]
  readonly rows: ReadonlyArray<readonly string[]>
}

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
  const parts = text.split(/^(?=#{2,3} )/m)
  for (const part of parts) {
    const heading = /^### `([^`]+)`[ \t]*$/m.exec(part.split('\n')[0] as string)
    if (heading !== null) sections.push({ name: heading[1] as string, text: part, tables: tablesOf(part) })
  }
  return sections
}

/** The tables of a section: runs of lines that start with `|`, the second being the `|---|` rule. */
function tablesOf(text: string): Table[] {
  const tables: Table[] = []
  let lines: string[] = []
  for (const line of [...text.split('\n'), '']) {
    if (line.trimStart().startsWith('|')) {
      lines.push(line.trim())
      continue
    }
    if (lines.length >= 2 && /^\|[\s:|-]+\|$/.test(lines[1] as string)) {
      const [header, , ...rows] = lines.map(cells)
      tables.push({ header: header as string[], rows })
    }
    lines = []
  }
  return tables
}

/** The cells of a table row (a `\|` inside a cell does not split it). */
function cells(line: string): string[] {
  return line
    .slice(1, -1)
    .split(/(?<!\\)\|/)
    .map((cell) => cell.trim())
}

/** The property a table row names: its first code span, without a call's parentheses. */
export function rowName(row: readonly string[]): string | undefined {
  return /^`([^`(]+)/.exec(row[0] ?? '')?.[1]?.trim()
}

/** The table of `kind` (`option` or `member`: its first header cell) in a section, if any. */
export function tableOf(section: Section, kind: 'option' | 'member'): Table | undefined {
  return section.tables.find((table) => table.header[0] === kind)
}
