// Types of support.mjs, for the TypeScript tests.
export interface Column {
  readonly id: string
  readonly title: string
  readonly parent: 'node' | 'bun' | 'deno'
  readonly workers?: 'bun' | 'deno'
}

export declare const NODE_LINES: readonly number[]
export declare const COLUMNS: readonly Column[]
/** A known gap: the table's footnote, and what the check's failure says. */
export interface Gap {
  readonly reason: string
  readonly failure: RegExp
}

export declare const GAPS: Readonly<Record<string, Readonly<Record<string, Gap>>>>
export declare function columnOf(parent: string, workers?: string): Column
