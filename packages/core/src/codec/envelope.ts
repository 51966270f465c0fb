/**
 * The check of a superjson payload (`x`) from the other side, before superjson reads it.
 * superjson trusts its metadata: a string where it expects a tree of annotations sends its
 * walker into a recursion that only a stack overflow ends; an annotation forkrpc never
 * writes (`Error`, `typed-array`) builds what forkrpc cannot check; and its walk copies each
 * node's whole path, so a tree of long paths costs the square of its size. The check is one
 * walk over the metadata (which is as small as the number of non-JSON values) that refuses
 * all of that, and counts the path steps superjson will take: more than
 * {@link PATH_STEPS_PER_BYTE} per byte of metadata, and the payload is refused.
 */

/**
 * How many path steps superjson may take per byte of a payload's metadata (plus
 * {@link PATH_STEPS_SLACK}): a value nested 30 deep with special values at the bottom takes
 * about 4.
 */
export const PATH_STEPS_PER_BYTE = 16

/** Path steps every payload may take, whatever its size. */
export const PATH_STEPS_SLACK = 4_096

/**
 * The most digits (and sign) of a BigInt on the `json` channel: parsing decimal digits costs
 * more per digit the more there are (measured: ~0.16 µs a digit at a million, ~0.3 µs at 16
 * million), so a larger one would cost more than its bytes justify.
 */
export const MAX_BIGINT_DIGITS = 1_000_000

/** The annotations forkrpc's own superjson instance writes (json-codec.ts): no other is read. */
const SIMPLE_ANNOTATIONS = new Set(['undefined', 'bigint', 'Date', 'regexp', 'set', 'map', 'number', 'URL'])

/**
 * One check: the custom transformers' names, the plain JSON, the path of the node being
 * checked (one array, pushed and popped, so that the check itself copies nothing), and the
 * steps superjson will take against the bytes of metadata seen so far.
 */
interface EnvelopeWalk {
  readonly customNames: ReadonlySet<string>
  readonly json: unknown
  readonly path: string[]
  steps: number
  bytes: number
}

/**
 * Why `encoded` is not a payload forkrpc's superjson instance may read, or undefined when it
 * is: the shape `{ json, meta? }` superjson writes (version 1), known annotations only, a
 * BigInt's digits within MAX_BIGINT_DIGITS, and path steps within the budget at every point
 * of the walk (so the check stops as early as superjson would start to cost too much).
 * (`meta.referentialEqualities` is not read: forkrpc drops it.)
 */
export function envelopeFault(encoded: unknown, customNames: ReadonlySet<string>, meter?: EnvelopeMeter): string | undefined {
  if (!isRecord(encoded)) return 'it is not an object'
  const meta = encoded.meta
  if (meta === undefined) return undefined
  if (!isRecord(meta) || (meta.v !== undefined && meta.v !== 1)) return 'its metadata is malformed'
  const walk: EnvelopeWalk = { customNames, json: encoded.json, path: [], steps: 0, bytes: 0 }
  try {
    return checkTree(meta.values, walk)
  } catch {
    return 'its metadata is nested too deeply' // a stack overflow: too deep to decode, too
  } finally {
    if (meter !== undefined) meter.steps += walk.steps
  }
}

/**
 * Counts the path steps of the payloads checked (the fuzz target of test/property measures
 * them against the bytes received).
 */
export interface EnvelopeMeter {
  steps: number
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** A tree at the walk's path: absent (anything falsy, as superjson reads it), an annotation `[type, children?]`, or a record of trees. */
function checkTree(tree: unknown, walk: EnvelopeWalk): string | undefined {
  if (!tree) return undefined
  if (!Array.isArray(tree)) return isRecord(tree) ? checkChildren(tree, walk) : MALFORMED
  const [type, children] = tree as unknown[]
  // superjson's setDeep walks the path from the root.
  if (!charge(walk, walk.path.length, 4)) return TOO_COSTLY
  const fault = checkAnnotation(type, walk)
  if (fault !== undefined || !children) return fault
  return isRecord(children) ? checkChildren(children, walk) : MALFORMED
}

/** Each child is at the path plus its key's segments: superjson copies that path for each. */
function checkChildren(children: Record<string, unknown>, walk: EnvelopeWalk): string | undefined {
  const { path } = walk
  for (const key of Object.keys(children)) {
    const depth = path.length
    if (!pushSegments(key, path)) return MALFORMED
    const fault = charge(walk, path.length, key.length + 4) ? checkTree(children[key], walk) : TOO_COSTLY
    path.length = depth
    if (fault !== undefined) return fault
  }
  return undefined
}

/** Counts `steps` for `bytes` more of metadata; false once the steps are more than the bytes seen justify. */
function charge(walk: EnvelopeWalk, steps: number, bytes: number): boolean {
  walk.steps += steps
  walk.bytes += bytes
  return walk.steps <= PATH_STEPS_SLACK + PATH_STEPS_PER_BYTE * walk.bytes
}

const MALFORMED = 'its metadata is malformed'
const TOO_COSTLY = 'its metadata would take more steps to apply than its size justifies'

function checkAnnotation(type: unknown, walk: EnvelopeWalk): string | undefined {
  if (typeof type === 'string') {
    walk.bytes += type.length
    if (!SIMPLE_ANNOTATIONS.has(type)) return `it has an annotation forkrpc does not write (${type.slice(0, 40)})`
    if (type === 'bigint' && !isBigIntText(valueAt(walk.json, walk.path))) return `it has a BigInt that is not a string of at most ${MAX_BIGINT_DIGITS} digits`
    return undefined
  }
  if (!Array.isArray(type) || type.length !== 2 || typeof type[0] !== 'string' || typeof type[1] !== 'string') return MALFORMED
  if (type[0] !== 'custom') return `it has an annotation forkrpc does not write (${type[0].slice(0, 40)})`
  walk.bytes += type[1].length
  return walk.customNames.has(type[1]) ? undefined : `it has an annotation forkrpc does not write (custom ${type[1].slice(0, 40)})`
}

function isBigIntText(value: unknown): boolean {
  return typeof value === 'string' && value.length <= MAX_BIGINT_DIGITS + 1
}

/** The plain JSON value at `path` (which superjson has not transformed yet: it works from the leaves up). */
function valueAt(json: unknown, path: string[]): unknown {
  let value = json
  for (const segment of path) {
    if (typeof value !== 'object' || value === null || !Object.hasOwn(value, segment)) return undefined
    value = (value as Record<string, unknown>)[segment]
  }
  return value
}

/**
 * Pushes the segments of a key of the tree onto `path`, as superjson (version 1) reads the
 * key: segments joined by `.`, with `\.` and `\\` escapes; false where superjson would throw.
 */
function pushSegments(key: string, path: string[]): boolean {
  let segment = ''
  for (let i = 0; i < key.length; i++) {
    const char = key[i] as string
    if (char === '\\') {
      const escaped = key[i + 1]
      if (escaped !== '\\' && escaped !== '.') return false
      segment += escaped
      i++
    } else if (char === '.') {
      path.push(segment)
      segment = ''
    } else segment += char
  }
  path.push(segment)
  return true
}
