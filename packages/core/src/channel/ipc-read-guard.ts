/**
 * What a peer can do to a Node IPC channel before forkrpc sees a message, and the guard
 * forkrpc puts there. Node reads the channel itself and parses each message (a line of JSON,
 * or a length-prefixed v8 serialization) inside its read callback: one line that is not
 * JSON, or bytes that are not a v8 serialization, throw there, out of any listener, and
 * crash the process (an 'error' listener on the child does not catch it: measured on Node
 * 20, 22 and 26). And Node buffers a message until it is whole, however large it says it is.
 *
 * The guard wraps that read callback (the channel's handle, which Node keeps under an
 * internal symbol): a parse that throws, or a message still unfinished after
 * `maxMessageBytes * 2` bytes (on `advanced`, as soon as its length prefix says so), is a
 * peer that broke the protocol: what it writes from then on is discarded, and the owner
 * drops it. Where the handle is not found (Bun, Deno, or a Node that changes its
 * internals), nothing is guarded, and the debug log says so.
 */
import { debug } from '../base/debug.js'

/**
 * What a channel over a Node IPC pipe does about a peer that breaks the protocol in a way
 * that leaves the channel unusable.
 */
export interface ChannelGuard {
  /** The `maxMessageBytes` of this side: a message unfinished after twice as many bytes is a violation (`Infinity`: never). */
  readonly maxMessageBytes: number
  /** The `maxPending` of this side: the most messages that wait for a peer that does not read (batching-sender.ts). */
  readonly maxBacklog: number
  /** The peer broke the protocol (`why` says how, as "it wrote ..."): drop it. Called once. */
  readonly onViolation: (why: string) => void
}

/** The fields of the channel's handle that the guard reads (Node's internals, found by name). */
interface ChannelHandle {
  onread: (arrayBuffer?: ArrayBuffer) => void
  [key: symbol]: unknown
}

/**
 * Guards the reads of `owner`'s IPC channel (a ChildProcess, or `process` in a child);
 * returns false when it cannot (no handle found).
 */
export function guardIpcReads(owner: object, guard: ChannelGuard): boolean {
  const handle = internal(owner, 'kChannelHandle') as ChannelHandle | undefined
  if (typeof handle !== 'object' || handle === null || typeof handle.onread !== 'function') {
    debug('the IPC channel has no handle forkrpc knows: its reads are not guarded')
    return false
  }
  const unfinished = unfinishedBytes(handle)
  const read = handle.onread
  const ceiling = guard.maxMessageBytes * 2
  let broken = false
  const violation = (why: string): void => {
    broken = true
    guard.onViolation(why)
  }
  handle.onread = function guardedRead(this: unknown, arrayBuffer?: ArrayBuffer) {
    // What a peer that broke the protocol writes is dropped; its end of the pipe still closes.
    if (broken && arrayBuffer !== undefined) return
    try {
      read.call(this, arrayBuffer)
    } catch (error) {
      return violation(`wrote bytes that are not a message on the IPC channel (${error instanceof Error ? error.message.slice(0, 100) : 'unreadable'})`)
    }
    if (!broken && arrayBuffer !== undefined && unfinished() > ceiling) violation(`started a message of more than ${ceiling} bytes (twice maxMessageBytes)`)
  }
  return true
}

/** The value of `owner`'s own symbol property described as `name`. */
function internal(owner: object, name: string): unknown {
  const key = Object.getOwnPropertySymbols(owner).find((symbol) => symbol.description === name)
  return key === undefined ? undefined : (owner as Record<symbol, unknown>)[key]
}

/**
 * How many bytes of an unfinished message Node holds: the text after the last newline
 * (`json`), or the size the next message's length prefix announces (`advanced`).
 */
function unfinishedBytes(handle: ChannelHandle): () => number {
  const json = Object.getOwnPropertySymbols(handle).find((symbol) => symbol.description === 'kJSONBuffer')
  if (json !== undefined) return () => (handle[json] as string).length
  const buffers = Object.getOwnPropertySymbols(handle).find((symbol) => symbol.description === 'kMessageBuffer')
  if (buffers === undefined) return () => 0
  return () => {
    const head = (handle[buffers] as Uint8Array[] | undefined)?.[0]
    return head !== undefined && head.length >= 4 ? new DataView(head.buffer, head.byteOffset, 4).getUint32(0) : 0
  }
}
