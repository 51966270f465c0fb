/**
 * Every relative link of the hand-written docs (the README, the guides in docs/, the package
 * READMEs, the cookbook's and the bench's READMEs) points at a file that exists, and a link
 * with `#anchor` into a Markdown file at one of its headings (GitHub's slugs). The generated
 * API reference (docs/api/) is kept by its generator (`pnpm lint:api`), so it is not read here.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { dirname, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const root = fileURLToPath(new URL('../../', import.meta.url))
const docs = readdirSync(resolve(root, 'docs'))
  .filter((name) => name.endsWith('.md'))
  .map((name) => `docs/${name}`)
const packages = readdirSync(resolve(root, 'packages')).map((name) => `packages/${name}/README.md`)
const files = ['README.md', ...docs, ...packages, 'examples/README.md', 'bench/README.md'].filter((file) => existsSync(resolve(root, file)))

/** The text without fenced code blocks and code spans, where a `](...)` is not a link. */
function prose(text: string): string {
  return text.replace(/^```[\s\S]*?^```$/gm, '').replace(/`[^`\n]*`/g, '')
}

/** GitHub's anchor of a heading: lower case, punctuation dropped, spaces to hyphens. */
function slug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-')
}

/** The anchors of a Markdown file's headings; a repeated one gets `-1`, `-2`, ... as on GitHub. */
function anchorsOf(file: string): Set<string> {
  const text = readFileSync(file, 'utf8').replace(/^```[\s\S]*?^```$/gm, '')
  const seen = new Map<string, number>()
  const anchors = new Set<string>()
  for (const [, heading] of text.matchAll(/^#{1,6} (.*)$/gm)) {
    const base = slug(heading as string)
    const count = seen.get(base) ?? 0
    seen.set(base, count + 1)
    anchors.add(count === 0 ? base : `${base}-${count}`)
  }
  return anchors
}

/** What is wrong with the relative links of one file, one line per broken link. */
function brokenLinks(file: string, text = readFileSync(resolve(root, file), 'utf8')): string[] {
  const path = resolve(root, file)
  const problems: string[] = []
  for (const [, link] of prose(text).matchAll(/\]\(([^)\s]+)\)/g)) {
    if (/^[a-z][a-z+.-]*:/i.test(link as string)) continue // https:, mailto:
    const [target = '', anchor] = (link as string).split('#')
    const targetPath = target === '' ? path : resolve(dirname(path), target)
    if (!existsSync(targetPath)) problems.push(`${file}: ${link} (no such file: ${relative(root, targetPath)})`)
    else if (anchor !== undefined && targetPath.endsWith('.md') && statSync(targetPath).isFile() && !anchorsOf(targetPath).has(anchor)) {
      problems.push(`${file}: ${link} (no heading with that anchor)`)
    }
  }
  return problems
}

describe('links in the docs', () => {
  it('finds the files it checks', () => {
    expect(files).toContain('README.md')
    expect(files).toContain('docs/pools.md')
    expect(files).toContain('packages/core/README.md')
  })

  it.each(files)('%s: every relative link and anchor resolves', (file) => {
    expect(brokenLinks(file)).toEqual([])
  })

  it('tells a broken link and a broken anchor from good ones, and skips code', () => {
    const text = [
      '[good](docs/pools.md#calls-and-routing) [web](https://nodejs.org) [self](#performance)',
      '[missing](docs/nope.md) [anchor](docs/pools.md#nope) `[code](nope.md)`',
      '```ts',
      '[fenced](nope.md)',
      '```',
    ].join('\n')
    expect(brokenLinks('README.md', text)).toEqual([
      'README.md: docs/nope.md (no such file: docs/nope.md)',
      'README.md: docs/pools.md#nope (no heading with that anchor)',
    ])
    expect(slug('`serve(contract, handlers, options?)`: in the worker')).toBe('servecontract-handlers-options-in-the-worker')
  })
})
