// Types of support.mjs, for the TypeScript tests.
export interface Column {
  readonly id: string
  readonly title: string
  readonly parent: 'node' | 'bun' | 'deno'
  readonly workers?: 'bun' | 'deno'
}

export declare const NODE_LINES: readonly number[]
export declare const COLUMNS: readonly Column[]
export declare const GAPS: Readonly<Record<string, Readonly<Record<string, string>>>>
export declare function columnOf(parent: string, workers?: string): Column
