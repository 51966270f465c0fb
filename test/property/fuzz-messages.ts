/**
 * A fast, seeded generator of hostile protocol messages: random ones (wrong types, missing
 * fields, huge ids, unknown kinds, other protocol versions) and mutations of well-formed
 * ones (requests, replies, cancellations aimed at real calls, which then become replies to
 * cancelled calls and duplicate replies). Used by the decoder fuzz tests on both sides and
 * by the fuzz worker fixture, so it is plain TypeScript with no test-runner imports.
 */
import { MessageType, PROTOCOL_VERSION } from '@forkrpc/core/channel'

/** mulberry32: a tiny seeded PRNG, so a failing run can be replayed from its seed. */
export function random(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

export interface FuzzerOptions {
  /** Names the other side serves (some messages use them, with bad inputs). */
  procedures: readonly string[]
  /** Ids of real calls (in flight, settled or cancelled) that messages may aim at. */
  knownIds: () => readonly string[]
  /** Whether values only JSON can carry should be produced (json channel). */
  json: boolean
}

/**
 * The message types the fuzzer uses: all but the shutdown request (a worker obeys it, as it
 * must its parent, which would end the fuzz) and the worker's report of a SIGTERM (its
 * parent then stops it: a worker may always end itself). A well-formed ack would change the
 * codec: acks get bad serializations below.
 */
const TYPES = Object.values(MessageType).filter((type) => type !== MessageType.Shutdown && type !== MessageType.Sigterm)
const KINDS = [...TYPES, 'x', '', 'Q', 'constructor', '__proto__', 'toString']
const NAMES = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', '', 'nope', 'a'.repeat(300)]

/** Returns a function that produces one hostile message per call. */
export function createFuzzer(seed: number, options: FuzzerOptions): () => unknown {
  const next = random(seed)
  const int = (n: number): number => Math.floor(next() * n)
  const pick = <T>(list: readonly T[]): T => list[int(list.length)] as T
  const hugeId = 'i'.repeat(100_000)

  function scalar(): unknown {
    switch (int(14)) {
      case 0:
        return null
      case 1:
        return int(2) === 0
      case 2:
        return int(1e9) - 5e8
      case 3:
        return next()
      case 4:
        return options.json ? 1e308 : pick([Number.NaN, Infinity, -0, 10n ** 30n])
      case 5:
        return ''
      case 6:
        return String.fromCharCode(...Array.from({ length: int(8) }, () => int(0x10000)))
      case 7:
        return pick(NAMES)
      case 8:
        return pick(KINDS)
      case 9:
        return undefined
      case 10:
        return { __proto__: null }
      case 11:
        return JSON.parse('{"__proto__": {"polluted": 1}, "constructor": {"prototype": {"polluted": 1}}}') as unknown
      case 12:
        return options.json ? 'date' : new Date(int(1e12))
      default:
        return int(100)
    }
  }

  function value(depth = 0): unknown {
    if (depth > 3 || int(3) > 0) return scalar()
    if (int(2) === 0) return Array.from({ length: int(4) }, () => value(depth + 1))
    const record: Record<string, unknown> = {}
    for (let i = int(4); i > 0; i--) Object.defineProperty(record, pick(['a', 'b', 'v', 'x', 'json', 'meta', 'values', 'name', 'message', 'props', 'c', 'cause', '__proto__', 'constructor']), { value: value(depth + 1), enumerable: true, configurable: true, writable: true })
    return record
  }

  /** A superjson-looking payload: right shape, wrong content, more often than not. */
  function encoded(): unknown {
    switch (int(6)) {
      case 0:
        return { json: value(), meta: { values: value() } }
      case 1:
        return { json: value(), meta: { values: { '': ['custom', pick(['forkrpc:Error', 'forkrpc:Buffer', 'forkrpc:TypedArray', 'forkrpc:SparseArray', 'forkrpc:InvalidDate', 'nope'])] } } }
      case 2:
        return { json: { n: pick([3, -1, 1e12, 'x']), e: pick(['[[0,1]]', '[["__proto__",{"polluted":1}]]', 'nope', '{"json":[]}']), s: '{"json":{"name":"Error","message":"x","c":"__proto__"}}', t: pick(['Int8Array', 'BigInt64Array', 'Nope', '__proto__']), b: 'AAE=' }, meta: { values: [['custom', pick(['forkrpc:SparseArray', 'forkrpc:TypedArray', 'forkrpc:Error'])]] } }
      case 3:
        return { json: value(), meta: { referentialEqualities: value(), values: [pick(['Date', 'map', 'set', 'bigint', 'regexp', 'Error', 'number', 'undefined', 'nope'])] } }
      case 4:
        return value()
      default:
        return { json: { a: value() }, meta: { values: { a: [pick(['Date', 'bigint', 'map', 'set'])] } } }
    }
  }

  /**
   * `forged`, unless it could be a real call's id: ids are a base-36 counter, so a short
   * string ('c', '1a') would hit a call the fuzz is not meant to know (it aims at the known
   * ones), and that call would rightly take the forged reply as its own.
   */
  function unguessed(forged: unknown): unknown {
    return typeof forged === 'string' && /^[0-9a-z]{1,8}$/.test(forged) ? `~${forged}` : forged
  }

  function id(): unknown {
    const known = options.knownIds()
    switch (int(8)) {
      case 0:
      case 1:
      case 2:
        return known.length > 0 ? pick(known) : 'none'
      case 3:
        return hugeId
      case 4:
        return unguessed(scalar())
      case 5:
        return pick(['__proto__', 'constructor', 'toString'])
      default:
        return `id-${int(1000)}`
    }
  }

  function wellFormed(): Record<string, unknown> {
    const message: Record<string, unknown> = { $fr: PROTOCOL_VERSION, t: pick(TYPES), i: id() }
    if (message.t === 'q') Object.assign(message, { m: int(2) === 0 ? pick(options.procedures) : pick(NAMES), w: pick([undefined, 1, 16, 0, -1]), u: pick([undefined, 1, 16, 0]) })
    if (message.t === 'c') Object.assign(message, { r: pick(['a', 't', 'x']), ms: pick([1, -1, 'x', Infinity]) })
    if (message.t === 'k' || message.t === 'ki') message.g = pick([1, 8, 1e9, 0, -1, 'x', 1.5])
    if (message.t === 'yi') message.f = pick([undefined, true, false, 'x'])
    if (message.t === 'ev') Object.assign(message, { n: pick(['progress', 'nope', '__proto__', 7]) })
    if (message.t === 'b') message.p = pick([[], 'x', [{ t: 'q' }], [1, null]])
    if (message.t === 'o') Object.assign(message, { hb: pick([1, 'x']), rb: pick([1, -1]) })
    if (message.t === 'ha') message.s = pick(['x', 'JSON', 1, null])
    if (message.t === 'h' || message.t === 'hq') message.n = pick([[], ['x'], 'x', [1]])
    if (int(2) === 0) message.v = value()
    else message.x = encoded()
    return message
  }

  return () => {
    const message = wellFormed()
    switch (int(10)) {
      case 0: // another version, or none
        message.$fr = pick([0, PROTOCOL_VERSION - 1, PROTOCOL_VERSION + 1, String(PROTOCOL_VERSION), null, 1.5])
        return message
      case 1: // a field gone
        delete message[pick(['t', 'i', 'm', 'v', 'x'])]
        return message
      case 2: { // a field of the wrong type
        const field = pick(['t', 'i', 'm', 'r', 's', 'n'])
        message[field] = field === 'i' ? unguessed(value()) : value()
        return message
      }
      case 3: // not forkrpc's at all, or not an object
        return int(2) === 0 ? value() : { t: 'q', i: 'x', m: 'add' }
      case 4: // unknown kind
        message.t = pick(KINDS)
        return message
      case 5: // both payload fields
        message.v = value()
        message.x = encoded()
        return message
      default:
        return message
    }
  }
}
