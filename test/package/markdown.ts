/**
 * Just enough Markdown for the tests that read the docs: the tables and the fenced code blocks
 * of a piece of text, and its split into sections at headings.
 */

/** One table: its header cells and the cells of each row. */
export interface Table {
  readonly header: readonly string[]
  readonly rows: ReadonlyArray<readonly string[]>
}

/** The text split before each heading of `level` or above (`##` and `###` for 3); the part before the first too. */
export function splitAtHeadings(text: string, level: number): string[] {
  return text.split(new RegExp(`^(?=#{1,${level}} )`, 'm'))
}

/** The tables of `text`: runs of lines that start with `|`, the second being the `|---|` rule. */
export function tablesOf(text: string): Table[] {
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

/** The contents of the fenced code blocks of `text` in `language` (```json ... ```). */
export function codeBlocks(text: string, language: string): string[] {
  return [...text.matchAll(new RegExp(`^\`\`\`${language}\\n([\\s\\S]*?)^\`\`\`$`, 'gm'))].map((match) => match[1] as string)
}

/** The code spans of a table cell: `` `a`, `b` `` gives a and b. */
export function codeSpans(cell: string): string[] {
  return [...cell.matchAll(/`([^`]+)`/g)].map((match) => match[1] as string)
}
