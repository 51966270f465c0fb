/**
 * Which worker owns a key: rendezvous (highest-random-weight) hashing. Each worker gets a
 * score for the key, a hash of the key mixed with the worker's serial number, and the
 * highest score wins. Chosen over a hash ring or `hash % n` because only the keys of a
 * worker that goes move (to whichever worker scores next for each), and a worker that comes
 * takes only the keys it now scores highest for: no ring of virtual nodes to keep, and with
 * a pool's handful of workers the O(workers) look-up per call costs less than a ring's.
 */

/**
 * What rendezvous hashing needs of a worker: a number that stays the same while it lives
 * and is never reused in its pool.
 */
export interface KeyHolder {
  readonly serial: number
}

/** The 32-bit FNV-1a hash of a key's UTF-16 code units: computed once per call. */
export function hashKey(key: string): number {
  let hash = 0x811c9dc5
  for (let i = 0; i < key.length; i++) {
    hash ^= key.charCodeAt(i)
    hash = Math.imul(hash, 0x01000193)
  }
  return hash >>> 0
}

/** MurmurHash3's finalizer: every input bit flips about half of the output bits. */
function mix(value: number): number {
  let h = value >>> 0
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b)
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35)
  return (h ^ (h >>> 16)) >>> 0
}

/**
 * The holder with the highest score for the key's hash, or undefined when there is none.
 * Ties (as good as impossible) go to the lower serial, so the answer never depends on order.
 */
export function ownerOf<H extends KeyHolder>(keyHash: number, holders: readonly H[]): H | undefined {
  let best: H | undefined
  let bestScore = -1
  for (const holder of holders) {
    const score = mix(keyHash ^ mix(holder.serial + 0x9e3779b9))
    if (score > bestScore || (score === bestScore && best !== undefined && holder.serial < best.serial)) {
      best = holder
      bestScore = score
    }
  }
  return best
}
