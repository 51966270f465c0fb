/**
 * The public API as the TypeScript compiler sees it in the built declarations (`dist/*.d.ts`
 * of the packages, so run after `pnpm run build`): every export of every entry point, resolved
 * to its declarations, for the test that checks the TSDoc of every export
 * (api-tsdoc.test.ts; the API reference in docs/api/ is generated from it).
 */
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import ts from 'typescript'

const root = fileURLToPath(new URL('../../', import.meta.url))

/** The entry points, as their package exports them, and their declaration files. */
export const entryPoints = {
  '@forkrpc/core': 'packages/core/dist/index.d.ts',
  '@forkrpc/core/channel': 'packages/core/dist/channel-api.d.ts',
  '@forkrpc/testing': 'packages/testing/dist/index.d.ts',
  '@forkrpc/testing/vitest': 'packages/testing/dist/vitest.d.ts',
  '@forkrpc/nats': 'packages/nats/dist/index.d.ts',
  '@forkrpc/tracing': 'packages/tracing/dist/index.d.ts',
} as const

export type EntryPoint = keyof typeof entryPoints

/** One export of one entry point. */
export interface Export {
  readonly entry: EntryPoint
  readonly name: string
  /** The exported symbol, aliases resolved: its declarations are in the package's dist/. */
  readonly symbol: ts.Symbol
  /** Whether it exists at run time (a function, a class, a constant) or only as a type. */
  readonly runtime: boolean
}

/** The compiled view of the public API. */
export interface PublicApi {
  readonly checker: ts.TypeChecker
  readonly exports: readonly Export[]
}

/** Builds the program over every entry point's declarations (a few seconds). */
export function loadPublicApi(): PublicApi {
  const files = Object.values(entryPoints).map((file) => `${root}${file}`)
  for (const file of files) if (!existsSync(file)) throw new Error(`${file} is missing: run \`pnpm run build\` first`)
  const program = ts.createProgram(files, {
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2022,
    lib: ['lib.es2023.d.ts', 'lib.esnext.disposable.d.ts'],
    types: ['node'],
    strict: true,
    noEmit: true,
  })
  const checker = program.getTypeChecker()
  const exports: Export[] = []
  for (const [entry, file] of Object.entries(entryPoints) as Array<[EntryPoint, string]>) {
    const source = program.getSourceFile(`${root}${file}`)
    const module = source === undefined ? undefined : checker.getSymbolAtLocation(source)
    if (module === undefined) throw new Error(`${file}: not a module the compiler can read`)
    for (const exported of checker.getExportsOfModule(module)) {
      const symbol = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported
      // A type-only re-export of a class exists only as a type where it is re-exported.
      const typeOnly = exported.declarations?.some((declaration) => ts.isTypeOnlyImportOrExportDeclaration(declaration)) ?? false
      exports.push({ entry, name: exported.name, symbol, runtime: !typeOnly && (symbol.flags & ts.SymbolFlags.Value) !== 0 })
    }
  }
  return { checker, exports }
}

