// Types of table.mjs, for the TypeScript test that checks the README's table.
export declare const START: string
export declare const END: string
export declare const README: string
export declare function renderTable(): string
export declare function readmeTable(text?: string): string | undefined
