/**
 * A shape check of a superjson payload (`x`) from the other side, before superjson reads it.
 * superjson trusts its metadata: a string where it expects a tree of annotations sends its
 * walker into a recursion that only a stack overflow ends, allocating all the way, so a
 * message of a few bytes can cost the receiver tens of milliseconds. Checking the shape is
 * one walk over the metadata, which is as small as the number of non-JSON values.
 */

/**
 * True when `encoded` has the shape superjson writes: `{ json, meta? }`, where `meta.values`
 * is a tree of annotations and `meta.referentialEqualities` lists paths.
 *
 * @example
 * ```ts
 * isWellFormedEnvelope({ json: '1970-01-01T00:00:00.000Z', meta: { values: ['Date'] } }) // true
 * isWellFormedEnvelope({ json: 1, meta: { values: 'Date' } }) // false
 * ```
 */
export function isWellFormedEnvelope(encoded: unknown): boolean {
  if (!isRecord(encoded)) return false
  const meta = encoded.meta
  if (meta === undefined) return true
  if (!isRecord(meta)) return false
  try {
    return isTree(meta.values) && isEqualities(meta.referentialEqualities)
  } catch {
    return false // nested too deeply to check: too deeply to decode, too
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** A tree: absent, an annotation `[type, children?]`, or a record of trees. */
function isTree(tree: unknown): boolean {
  if (tree === undefined || tree === null) return true
  if (Array.isArray(tree)) {
    const [type, children] = tree as unknown[]
    if (!isAnnotation(type)) return false
    if (children === undefined) return true
    return isRecord(children) && Object.values(children).every(isTree)
  }
  return isRecord(tree) && Object.values(tree).every(isTree)
}

/** A type annotation: `'Date'`, or `['custom', 'forkrpc:Error']` and the like. */
function isAnnotation(type: unknown): boolean {
  return typeof type === 'string' || (Array.isArray(type) && type.length >= 1 && type.every((part) => typeof part === 'string'))
}

/** Referential equalities: `{ path: [paths] }`, or `[[root paths], { path: [paths] }?]`. */
function isEqualities(equalities: unknown): boolean {
  if (equalities === undefined) return true
  if (Array.isArray(equalities)) {
    const [root, other] = equalities as unknown[]
    return isPaths(root) && (other === undefined || (isRecord(other) && Object.values(other).every(isPaths)))
  }
  return isRecord(equalities) && Object.values(equalities).every(isPaths)
}

function isPaths(paths: unknown): boolean {
  return Array.isArray(paths) && paths.every((path) => typeof path === 'string')
}
