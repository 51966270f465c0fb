/** The payloads of the latency rows: plain JSON data, as most calls carry. */

interface Row {
  id: number
  name: string
  email: string
  active: boolean
  score: number
  tags: string[]
}

function rows(count: number): Row[] {
  return Array.from({ length: count }, (_, id) => ({
    id,
    name: `user ${id}`,
    email: `user${id}@example.com`,
    active: id % 2 === 0,
    score: Math.round(id * 13.37 * 100) / 100,
    tags: ['alpha', 'beta', `t${id % 7}`],
  }))
}

/** A payload: a name, the value and its JSON size. */
export interface Payload {
  readonly name: string
  readonly value: unknown
  readonly bytes: number
}

function payload(name: string, value: unknown): Payload {
  return { name, value, bytes: Buffer.byteLength(JSON.stringify(value)) }
}

export const payloads: Payload[] = [
  payload('tiny', { a: 1, b: 2 }),
  payload('~1 KB', { rows: rows(9) }),
  payload('~64 KB', { rows: rows(550) }),
  payload('~1 MB', { rows: rows(8_500) }),
]
