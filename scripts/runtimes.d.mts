// Types of runtimes.mjs, for the TypeScript tests and the bench that import it.
export type RuntimeName = 'node22' | 'node24' | 'node26' | 'bun' | 'deno'

export declare const RUNTIMES: Readonly<Record<RuntimeName, { spec: string; bin: string; scriptArgs: readonly string[] }>>
export declare function runtimeDir(name: RuntimeName): string
export declare function findRuntime(name: RuntimeName): string | undefined
export declare function ensureRuntime(name: RuntimeName): string
export declare function runtimeCommand(name: RuntimeName): { execPath: string; execArgv: string[] }
