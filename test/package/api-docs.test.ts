/** docs/api.md documents every runtime export of the packages (and documents nothing that is gone). */
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import * as core from '@forkrpc/core'
import * as channel from '@forkrpc/core/channel'
import * as nats from '@forkrpc/nats'
import * as testing from '@forkrpc/testing'
import * as testingVitest from '@forkrpc/testing/vitest'

const doc = readFileSync(new URL('../../docs/api.md', import.meta.url), 'utf8')
const documented = new Set([...doc.matchAll(/^### `([^`]+)`$/gm)].map((match) => match[1]))

describe('docs/api.md', () => {
  it.each([
    ['@forkrpc/core', core],
    ['@forkrpc/core/channel', channel],
    ['@forkrpc/testing', testing],
    ['@forkrpc/testing/vitest', testingVitest],
    ['@forkrpc/nats', nats],
  ])('has a section, with an example, for every runtime export of %s', (_name, module) => {
    for (const name of Object.keys(module)) {
      expect(documented, `docs/api.md lacks "### \`${name}\`"`).toContain(name)
      const section = doc.slice(doc.indexOf(`### \`${name}\``)).split(/\n### /)[0] as string
      expect(section, `the section of ${name} has no example`).toContain('```ts')
    }
  })

  it('documents no export that does not exist', () => {
    const exported = new Set([...Object.keys(core), ...Object.keys(channel), ...Object.keys(testing), ...Object.keys(testingVitest), ...Object.keys(nats)])
    expect([...documented].filter((name) => !exported.has(name as string))).toEqual([])
  })
})
