/**
 * docs/protocol.md, the protocol's constants and its decoder agree: the document's message
 * table lists every `MessageType` with its letters, name and direction group
 * (`MessageDirections`) and nothing else; each message's section has a fields table and JSON
 * samples; `readMessage` accepts every sample, refuses it without any field the table calls
 * required, and still accepts it without any field the table calls optional; the json codec
 * reads every superjson payload (`x`) shown.
 */
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { errorRegistry } from '../../../packages/core/src/codec/error-registry.js'
import { jsonCodec } from '../../../packages/core/src/codec/json-codec.js'
import { MessageDirections, MessageType, PROTOCOL_VERSION } from '../../../packages/core/src/protocol/messages.js'
import { readMessage } from '../../../packages/core/src/protocol/read-message.js'
import { codeBlocks, codeSpans, splitAtHeadings, tablesOf } from '../../package/markdown.js'

const doc = readFileSync(new URL('../../../docs/protocol.md', import.meta.url), 'utf8')

/** The message table: one row per type (letters, name, direction, fields). */
const messageTable = tablesOf(doc).find((table) => table.header.join('|') === 'letters|name|direction|fields')
const rows = (messageTable?.rows ?? []).map(([letters = '', name = '', direction = '', fields = '']) => ({
  letters: codeSpans(letters)[0] ?? letters,
  name,
  // "to handler" is MessageDirections.toHandler, "either way" its eitherWay, ...
  direction: direction.replace(/ (\w)/g, (_, first: string) => first.toUpperCase()),
  fields: fields === 'none' ? [] : fields.split(',').map((field) => codeSpans(field)[0] ?? field.trim()),
}))

/** One message's section: `### \`q\`: Request`, its fields table and its JSON samples. */
interface MessageSection {
  readonly name: string
  readonly fields: ReadonlyArray<{ readonly field: string; readonly required: boolean }>
  readonly samples: ReadonlyArray<Record<string, unknown>>
}

const sections = new Map<string, MessageSection>()
for (const part of splitAtHeadings(doc, 3)) {
  const heading = /^### `([a-z]+)`: (\w+)$/m.exec(part.split('\n')[0] as string)
  if (heading === null) continue
  const table = tablesOf(part).find((candidate) => candidate.header.join('|') === 'field|required|meaning')
  sections.set(heading[1] as string, {
    name: heading[2] as string,
    fields: (table?.rows ?? []).map(([field = '', required = '']) => ({ field: codeSpans(field)[0] ?? field, required: required === 'yes' })),
    samples: codeBlocks(part, 'json').map((json) => JSON.parse(json) as Record<string, unknown>),
  })
}

const types = Object.entries(MessageType).map(([name, letters]) => ({ name, letters: letters as string }))
const directionOf = new Map(Object.entries(MessageDirections).flatMap(([direction, letters]) => letters.map((letter) => [letter as string, direction])))

function without(sample: Record<string, unknown>, field: string): Record<string, unknown> {
  const copy = { ...sample }
  delete copy[field]
  return copy
}

describe('docs/protocol.md and MessageType', () => {
  it('has a message table with a row per message type, once each', () => {
    expect(messageTable).toBeDefined()
    expect(rows.map((row) => row.letters).sort()).toEqual(types.map((type) => type.letters).sort())
  })

  it.each(types)('lists $letters as $name with its direction group', ({ name, letters }) => {
    const row = rows.find((candidate) => candidate.letters === letters)
    expect(row?.name).toBe(name)
    expect(row?.direction).toBe(directionOf.get(letters))
  })

  it('puts every message type in exactly one direction group', () => {
    const grouped = Object.values(MessageDirections).flat() as string[]
    expect([...grouped].sort()).toEqual(types.map((type) => type.letters).sort())
  })

  it('has a section for every message type and for no other', () => {
    expect([...sections.keys()].sort()).toEqual(types.map((type) => type.letters).sort())
  })
})

describe.each(types)('docs/protocol.md on $letters ($name)', ({ name, letters }) => {
  const section = sections.get(letters)
  const fields = section?.fields ?? []
  const samples = section?.samples ?? []

  it('names it as MessageType does, and its fields as the message table does', () => {
    expect(section?.name).toBe(name)
    const row = rows.find((candidate) => candidate.letters === letters)
    const listed = (row?.fields ?? []).flatMap((field) => (field === 'payload' ? ['v', 'x'] : [field]))
    expect(fields.map((entry) => entry.field).sort()).toEqual(listed.sort())
  })

  it('gives samples of this type, whose fields are the documented ones', () => {
    expect(samples.length).toBeGreaterThan(0)
    const documented = new Set(['$fr', 't', ...fields.map((entry) => entry.field)])
    for (const sample of samples) {
      expect(sample).toMatchObject({ $fr: PROTOCOL_VERSION, t: letters })
      expect(Object.keys(sample).filter((key) => !documented.has(key))).toEqual([])
    }
    // Every documented field shows in some sample, so that each is tried below.
    const shown = new Set(samples.flatMap((sample) => Object.keys(sample)))
    expect(fields.map((entry) => entry.field).filter((field) => !shown.has(field))).toEqual([])
  })

  it('samples that readMessage accepts as they are', () => {
    for (const sample of samples) expect(readMessage(sample)).toBe(sample)
  })

  it('samples that readMessage refuses without a required field (or their type), and ignores without $fr', () => {
    for (const sample of samples) {
      for (const { field } of fields.filter((entry) => entry.required)) {
        expect(sample, `a sample lacks required field ${field}`).toHaveProperty([field])
        expect(readMessage(without(sample, field)), `without ${field}`).toBe(false)
      }
      expect(readMessage(without(sample, 't'))).toBe(false)
      expect(readMessage(without(sample, '$fr'))).toBeUndefined()
      expect(readMessage({ ...sample, $fr: PROTOCOL_VERSION + 1 })).toBe(false)
    }
  })

  it('samples that readMessage still accepts without an optional field', () => {
    for (const sample of samples) {
      for (const { field } of fields.filter((entry) => !entry.required && Object.hasOwn(sample, entry.field))) {
        const reduced = without(sample, field)
        expect(readMessage(reduced), `without ${field}`).toBe(reduced)
      }
    }
  })
})

describe('docs/protocol.md on payloads', () => {
  it('shows superjson payloads (x) that the json codec reads', () => {
    const codec = jsonCodec(errorRegistry([]))
    const encoded = [...sections.values()].flatMap((section) => section.samples).filter((sample) => Object.hasOwn(sample, 'x'))
    expect(encoded.length).toBeGreaterThan(3)
    for (const sample of encoded) expect(() => codec.decode(sample, undefined, 'payload')).not.toThrow()
  })
})

describe('docs/protocol.md on batches', () => {
  it('shows batches whose messages readMessage accepts one by one', () => {
    for (const sample of sections.get(MessageType.Batch)?.samples ?? []) {
      for (const message of sample.p as unknown[]) expect(readMessage(message)).toBe(message)
    }
  })
})
