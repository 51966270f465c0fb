/**
 * A seeded generator of payloads built to cost their receiver more than their size: superjson
 * metadata with deep keys over wide fans, lengths and sizes that do not match the bytes
 * (Buffers, typed arrays, sparse arrays, BigInts), annotations forkrpc never writes, nested
 * error payloads; and marshalled errors with hostile props, long `errors`, deep causes, and
 * (structured clone only) shared and circular entries. Used by decoder-cost.fuzz.test.ts.
 */
import { random } from './fuzz-messages.js'

type Json = Record<string, unknown>

/** A payload: the message fields (`v` or `x`) of a reply, and the kind of reply. */
export interface CostlyPayload {
  readonly kind: 'result' | 'error'
  readonly fields: { v?: unknown; x?: unknown }
}

const CUSTOM = ['forkrpc:Buffer', 'forkrpc:TypedArray', 'forkrpc:InvalidDate', 'forkrpc:GuardedKeys', 'forkrpc:SparseArray', 'forkrpc:Error', 'other:Thing']
const SIMPLE = ['undefined', 'bigint', 'Date', 'regexp', 'set', 'map', 'number', 'URL', 'Error', 'symbol']
const VIEWS = ['Uint8Array', 'Float64Array', 'BigInt64Array', 'DataView', 'Nope', '__proto__']

/** Returns a function that produces one costly payload per call (`structured`: for a structured-clone channel). */
export function createCostlyPayloads(seed: number, structured: boolean): () => CostlyPayload {
  const next = random(seed)
  const int = (n: number): number => Math.floor(next() * n)
  const pick = <T>(list: readonly T[]): T => list[int(list.length)] as T
  /** Mostly small, sometimes large: sizes spread over orders of magnitude. */
  const size = (max: number): number => Math.floor(Math.exp(next() * Math.log(max + 1))) - 1
  /** Nodes left for the payload being made (trees, JSON, errors), so that each stays small enough to make quickly. */
  let parts = 0

  function annotation(): unknown {
    switch (int(5)) {
      case 0:
        return ['custom', pick(CUSTOM)]
      case 1:
        return [pick(['typed-array', 'class', 'symbol', 'custom']), pick(VIEWS)]
      case 2:
        return pick([7, null, '', ['custom'], { custom: 1 }])
      default:
        return pick(SIMPLE)
    }
  }

  /** A tree of annotations: fans, chains of dotted keys, escapes. */
  function tree(depth: number): unknown {
    if (depth === 0 && int(4) === 0) return deepFan()
    if (depth > 4 || parts-- <= 0 || int(3) === 0) return int(6) === 0 ? [annotation(), tree(depth + 1)] : [annotation()]
    const node: Json = {}
    for (let i = size(depth === 0 ? 300 : 30); i >= 0; i--) node[key()] = tree(depth + 1)
    return node
  }

  /** The costliest shape for superjson's walk: one key of many segments over a wide fan of leaves. */
  function deepFan(): unknown {
    const fan = Object.fromEntries(Array.from({ length: size(3_000) }, (_, i) => [String(i), [annotation()]]))
    return { [`${'a.'.repeat(size(30_000))}a`]: fan }
  }

  function key(): string {
    switch (int(6)) {
      case 0:
        return `${'0.'.repeat(size(200))}0`
      case 1:
        return pick(['a\\.b', 'a\\\\b', 'bad\\x', '__proto__', 'constructor', 'prototype', ''])
      default:
        return String(int(10))
    }
  }

  /** What a custom transformer or a simple annotation reads: right and wrong shapes, sizes that lie. */
  function transformed(): unknown {
    switch (int(10)) {
      case 0:
        return { length: size(60_000_000) }
      case 1:
        return { t: pick(VIEWS), b: pick([Buffer.alloc(size(2_000)).toString('base64'), { length: size(60_000_000) }, 7]) }
      case 2:
        return { n: pick([size(4_294_967_295), -1, 1.5, '9', size(200)]), e: pick(['{"json":[]}', `{"json":${JSON.stringify(Array.from({ length: size(50) }, (_, i) => [i * 3, i]))}}`, 'nope', '{"json":{}}']) }
      case 3:
        return { s: JSON.stringify({ json: marshalled(0, []) }) }
      case 4:
        return { o: pick(['{"json":[["a",1],["__proto__",{"polluted":1}]]}', '{"json":"ab"}', '{"json":[[1,2,3]]}']) }
      case 5:
        return '9'.repeat(int(20) === 0 ? 1_000_002 : size(100_000))
      case 6:
        return Array.from({ length: size(3_000) }, (_, i) => [i, i])
      default:
        return pick([null, 1, 'x', [], {}, '/a+/g', 'http://x', '2020-01-01'])
    }
  }

  /** Plain JSON the annotations point into: where the tree's keys lead, the transformed shapes. */
  function json(depth: number): unknown {
    if (depth > 3 || parts-- <= 0 || int(2) === 0) return transformed()
    if (int(2) === 0) return Array.from({ length: size(20) }, () => json(depth + 1))
    return Object.fromEntries(Array.from({ length: size(20) }, () => [key().slice(0, 20), json(depth + 1)]))
  }

  /** An annotation with a value at its path: the shape it reads, or one made to cost (or break) it. */
  function annotated(): [unknown, unknown] {
    const entries = `{"json":${JSON.stringify(Array.from({ length: size(50) }, (_, i) => [i * (1 + int(20)), i]))}}`
    switch (int(13)) {
      case 0:
        return [['custom', 'forkrpc:Buffer'], pick([{ length: size(60_000_000) }, Buffer.alloc(size(3_000)).toString('base64'), size(60_000_000)])]
      case 1:
        return [['custom', 'forkrpc:TypedArray'], { t: pick(VIEWS), b: pick([{ length: size(60_000_000) }, Buffer.alloc(8 * size(300)).toString('base64')]) }]
      case 2:
        return [['custom', 'forkrpc:SparseArray'], { n: pick([size(4_294_967_295), size(1_000), -1, '9']), e: pick([entries, '{"json":[]}', 'nope']) }]
      case 3:
        return [['custom', 'forkrpc:Error'], { s: JSON.stringify({ json: marshalled(0, []) }) }]
      case 4:
        return [['custom', 'forkrpc:GuardedKeys'], { o: pick([entries, '{"json":"ab"}', '{"json":[["__proto__",{"polluted":1}]]}']) }]
      case 5:
        return ['bigint', '9'.repeat(int(20) === 0 ? 1_000_002 : size(100_000))]
      case 6:
        return [pick(['set', 'map']), Array.from({ length: size(3_000) }, (_, i) => [i, i])]
      case 7:
        return [['typed-array', pick(VIEWS)], size(60_000_000)]
      case 8:
        return ['Error', { name: { toString: 1 }, message: 'x', stack: 0 }]
      default:
        return [pick(SIMPLE), pick(['2020-01-01', '/a+/g', 'http://x', 'NaN', null, 1, 'x'.repeat(size(1_000))])]
    }
  }

  /** JSON and its metadata made together, so that the annotations point at the values they read. */
  function alignedPayload(): { json: unknown; values: unknown } {
    if (int(5) === 0) {
      const [type, value] = annotated()
      return { json: value, values: [type] }
    }
    const json: Json = {}
    const values: Json = {}
    for (let leaf = size(60); leaf >= 0 && parts-- > 0; leaf--) {
      const path = Array.from({ length: 1 + size(8) }, () => pick(['a', 'b', '0', 'k']))
      const [type, value] = annotated()
      let at = json
      let meta = values
      for (const segment of path.slice(0, -1)) {
        at = (at[segment] = typeof at[segment] === 'object' && at[segment] !== null ? at[segment] : {}) as Json
        meta = (meta[segment] = typeof meta[segment] === 'object' && meta[segment] !== null && !Array.isArray(meta[segment]) ? meta[segment] : {}) as Json
      }
      const last = path.at(-1) as string
      at[last] = value
      meta[last] = [type]
    }
    return { json, values }
  }

  function superjsonPayload(): unknown {
    const { json: plain, values } = int(5) < 3 ? alignedPayload() : { json: json(0), values: int(8) === 0 ? pick(['Date', 7, [['custom', 'forkrpc:Buffer']]]) : tree(0) }
    const meta: Json = { values, v: pick([1, 1, 1, 1, 0, undefined, 2]) }
    if (int(6) === 0) meta.referentialEqualities = pick([{ a: ['b'] }, 'x', [['']]])
    return { json: plain, meta }
  }

  /** A marshalled error (or a thrown value), with `ancestors` to refer back to on structured clone. */
  function marshalled(depth: number, ancestors: Json[]): unknown {
    if (structured && ancestors.length > 0 && int(4) === 0) return pick(ancestors)
    if (depth > 6 || parts-- <= 0 || int(5) === 0) return pick([{ value: transformedValue() }, 7, null, 'x'])
    const error: Json = {
      name: pick(['Error', 'AggregateError', 'PluginError', { toString: 1 }, 7]),
      message: pick(['m', 'x'.repeat(size(10_000)), { toString: 1 }]),
      c: pick(['Error', 'AggregateError', 'forkrpc:ProtocolError', '__proto__', 7]),
    }
    if (int(2) === 0) error.stack = pick(['s', 0, { toString: 1 }])
    if (int(2) === 0) error.props = { stack: 0, message: { toString: 1 }, name: pick(['Named', { toString: 1 }]), toString: 1, valueOf: 2, code: 'E', [`k${int(9)}`]: 'v' }
    const lineage = [...ancestors, error]
    if (int(3) === 0) error.cause = marshalled(depth + 1, lineage)
    if (int(2) === 0) {
      const shared = marshalled(depth + 1, lineage)
      error.errors = Array.from({ length: size(depth === 0 ? 5_000 : 8) }, () => (structured && int(2) === 0 ? shared : marshalled(depth + 1, lineage)))
    }
    return error
  }

  function transformedValue(): unknown {
    return pick([1, 'x', null, [1, 2], { a: 1 }])
  }

  return () => {
    parts = size(5_000)
    if (int(2) === 0) return { kind: 'error', fields: { v: marshalled(0, []) } }
    if (structured) return { kind: 'result', fields: { v: marshalled(0, []) } }
    const x = superjsonPayload()
    return { kind: int(3) === 0 ? 'error' : 'result', fields: { x } }
  }
}
