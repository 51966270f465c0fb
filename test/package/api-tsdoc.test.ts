/**
 * Every exported declaration of the packages' entry points carries TSDoc with an `@example`
 * (a ```ts block), as the built declarations show it to an editor; every overload counts. Each
 * entry point's declaration file opens with its `@packageDocumentation` comment.
 */
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import ts from 'typescript'
import { describe, expect, it } from 'vitest'
import { entryPoints, loadPublicApi, type EntryPoint } from './declarations.js'

const api = loadPublicApi()

/** Why a declaration's TSDoc falls short, or undefined when it has an example. */
function lacking(declaration: ts.Declaration): string | undefined {
  const docs = ts.getJSDocCommentsAndTags(declaration).filter(ts.isJSDoc)
  if (docs.length === 0) return 'no TSDoc'
  const examples = ts.getJSDocTags(declaration).filter((tag) => tag.tagName.text === 'example')
  if (examples.length === 0) return 'no @example'
  if (!examples.some((tag) => ts.getTextOfJSDocComment(tag.comment)?.includes('```ts'))) return 'an @example without a ```ts block'
  return undefined
}

describe('TSDoc of the public API', () => {
  it.each(Object.keys(entryPoints) as EntryPoint[])('every export of %s has TSDoc with an example', (entry) => {
    const problems: string[] = []
    for (const { name, symbol } of api.exports.filter((exported) => exported.entry === entry)) {
      for (const declaration of symbol.declarations ?? []) {
        const problem = lacking(declaration)
        if (problem !== undefined) {
          const file = declaration.getSourceFile()
          const line = file.getLineAndCharacterOfPosition(declaration.getStart()).line + 1
          problems.push(`${name} (${file.fileName.replace(/^.*\/packages\//, 'packages/')}:${line}): ${problem}`)
        }
      }
    }
    expect(problems).toEqual([])
  })

  it.each(Object.entries(entryPoints))('%s opens with its @packageDocumentation', (_entry, file) => {
    const text = readFileSync(fileURLToPath(new URL(`../../${file}`, import.meta.url)), 'utf8')
    expect(text.startsWith('/**')).toBe(true)
    expect(text.slice(0, text.indexOf('*/'))).toContain('@packageDocumentation')
  })
})
