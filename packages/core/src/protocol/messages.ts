/**
 * The wire protocol: a small, closed set of messages, kept terse because every byte is
 * encoded on each call. Every forkrpc message has the `$fr` key holding the protocol version;
 * any other message on the channel is someone else's and is left alone.
 *
 * Messages are grouped by direction. Most are about one call, whichever side made it (the
 * parent calls the worker's procedures, the worker calls the parent's host procedures): they
 * go from the caller to the handler of the call, or back. Events go either way. The
 * handshake and the worker's lifecycle go between a parent and its worker.
 * `docs/protocol.md` has the sequences; a test keeps it and these constants in agreement.
 */
import type { PayloadFields, Serialization } from './payload.js'

/**
 * The protocol version; both sides must speak the same. 2 since forkrpc 0.2 (one peer:
 * stream chunks and credit have a type per direction, events go either way).
 *
 * @example
 * ```ts
 * channel.send({ $fr: PROTOCOL_VERSION, t: MessageType.Request, i: 'id-1', m: 'add', v: { a: 1, b: 2 } })
 * ```
 */
export const PROTOCOL_VERSION = 2

/**
 * Every message type, by name, with its letters on the wire.
 *
 * @example
 * ```ts
 * if (message.t === MessageType.Result) resolve(message.v)
 * ```
 */
export const MessageType = {
  /** Caller → handler: call procedure `m` with the payload; `w` / `u` open a stream's credit; `dl` the time left. */
  Request: 'q',
  /** Caller → handler: the caller gave up on call `i` (`r`: `a` aborted, `t` timed out after `ms`), or takes it back if its handler has not started (`w`). */
  Cancel: 'c',
  /** Caller → handler: the caller's consumer took `g` more chunks of call `i`'s result stream. */
  ResultCredit: 'k',
  /** Caller → handler: chunks of call `i`'s input stream (an array payload); `f`: the last. */
  InputChunks: 'yi',
  /** Handler → caller: call `i` returned the payload (for a stream: it ended). */
  Result: 'r',
  /** Handler → caller: call `i` failed with the payload, a marshalled error. */
  Failure: 'e',
  /** Handler → caller: chunks of call `i`'s result stream (an array payload). */
  ResultChunks: 'y',
  /** Handler → caller: the handler took `g` more chunks of call `i`'s input stream. */
  InputCredit: 'ki',
  /** Handler → caller: the handler of cancelled call `i` has settled (its slot is free), or withdrawn call `i` left the line unrun. */
  Settled: 'd',
  /** Handler → caller: the handler of call `i`, whose request asked for it (`sn`), has started. */
  Started: 'go',
  /** Either way: event `n` with the payload; `i` the call whose handler emitted it. */
  Event: 'ev',
  /** Either way: several messages written in one go (`p`), in order. */
  Batch: 'b',
  /** Worker → parent: ready, serving procedures `n` (the contract's fingerprint). */
  Ready: 'h',
  /** Worker → parent: over a memory limit of the ack: `hb` heap used, `rb` RSS, in bytes. */
  OverLimit: 'o',
  /** Parent → worker: asks for `h` again; `n` the procedure names the parent expects. */
  ReadyQuery: 'hq',
  /** Parent → worker: handshake accepted; `s` the channel's serialization, `l` memory limits, `c` concurrency, `st` the parent leads on SIGTERM. */
  ReadyAck: 'ha',
  /** Parent → worker: shut down (stop taking calls, run the shutdown hooks, exit). */
  Shutdown: 's',
  /** Parent → worker: are you there? (`n` a sequence number; liveness, `unresponsiveAfter`). */
  Ping: 'pi',
  /** Worker → parent: the answer to ping `n`, from the worker's event loop. */
  Pong: 'po',
  /** Worker → parent: it got SIGTERM, serves on, and leaves its stop to the parent (only after an ack with `st`). */
  Sigterm: 'st',
} as const

/** One of the message types' letters. */
export type MessageTypeLetters = (typeof MessageType)[keyof typeof MessageType]

/** The message types by direction: the groups `docs/protocol.md` lists them in. */
export const MessageDirections = {
  /** From the caller of a call to its handler. */
  toHandler: [MessageType.Request, MessageType.Cancel, MessageType.ResultCredit, MessageType.InputChunks],
  /** From the handler of a call to its caller. */
  toCaller: [MessageType.Result, MessageType.Failure, MessageType.ResultChunks, MessageType.InputCredit, MessageType.Settled, MessageType.Started],
  /** From either peer to the other. */
  eitherWay: [MessageType.Event, MessageType.Batch],
  /** From a parent to its worker. */
  toWorker: [MessageType.ReadyQuery, MessageType.ReadyAck, MessageType.Shutdown, MessageType.Ping],
  /** From a worker to its parent. */
  toParent: [MessageType.Ready, MessageType.OverLimit, MessageType.Pong, MessageType.Sigterm],
} as const

/** What every message carries. */
interface Envelope<T extends MessageTypeLetters> {
  /** The protocol version. */
  $fr: number
  /** The message type. */
  t: T
}

/** A call: procedure `m` with the payload. Stream requests carry their credit windows. */
export interface RequestMessage extends Envelope<'q'>, PayloadFields {
  /** The call id, unique among this caller's calls. */
  i: string
  /** The procedure's name. */
  m: string
  /** A stream: how many chunks the handler may send before it hears credit. */
  w?: number
  /** An input stream: how many chunks the caller may send before it hears credit. */
  u?: number
  /**
   * The call's deadline, as the time left when it was sent, in ms (not a clock time, which
   * two machines do not share): the handler's signal aborts with TimeoutError when it passes.
   */
  dl?: number
  /** Metadata set by the caller's interceptors (a trace context, say): the handler's `ctx.metadata`. */
  md?: Record<string, string>
  /** Start notice: `true` asks the handler side to say when the handler starts (`go`); a pool sends it with a call that will wait for a slot. */
  sn?: true
}

/** The caller gave up on a call. */
export interface CancelMessage extends Envelope<'c'> {
  i: string
  /**
   * Why: `a` aborted by the caller, `t` timed out; `w` withdrawn: the caller takes the call
   * back if its handler has not started yet (it then leaves the line unrun, answered with
   * `d`), and lets it run on if it has (a pool moving calls from a stuck worker's line).
   */
  r: 'a' | 't' | 'w'
  /** The timeout that fired, for `t`. */
  ms?: number
}

/**
 * Credit: `g` more chunks were taken by the other side (`k` for a result stream, `ki` for an
 * input stream).
 */
export interface CreditMessage extends Envelope<'k' | 'ki'> {
  i: string
  /** How many chunks were taken. */
  g: number
}

/** Chunks of a stream, an array in the payload (`y` from the handler, `yi` from the caller). */
export interface ChunkMessage extends Envelope<'y' | 'yi'>, PayloadFields {
  i: string
  /** An input stream's last chunks: no more follow. */
  f?: boolean
}

/** How a call ended: `r` with its result, `e` with its marshalled error. */
export interface ReplyMessage extends Envelope<'r' | 'e'>, PayloadFields {
  i: string
}

/** The handler of a cancelled call has settled. */
export interface SettledMessage extends Envelope<'d'> {
  i: string
}

/**
 * The handler of a call whose request asked for a start notice (`sn`) has started: a pool's
 * call that waited for a slot (in the worker's line, or in its channel behind a synchronous
 * handler) stops waiting here.
 */
export interface StartedMessage extends Envelope<'go'> {
  i: string
}

/** An event (worker → parent: the contract's `events`; parent → worker: its `notifications`). */
export interface EventMessage extends Envelope<'ev'>, PayloadFields {
  /** The event's name. */
  n: string
  /** The call whose handler emitted it (for its `onProgress`). */
  i?: string
}

/** Several messages written in one go; `p` holds forkrpc messages only, never another batch. */
export interface BatchMessage extends Envelope<'b'> {
  /** The messages, in the order they were written. */
  p: unknown[]
}

/** The worker is ready. */
export interface ReadyMessage extends Envelope<'h'> {
  /** The names of the procedures it serves. */
  n: string[]
  /** Its inspector's URL, when it runs with one open (the `inspect` option). */
  iu?: string
}

/** Memory limits the parent asks the worker to watch, in bytes. */
export interface MemoryLimits {
  /** Heap used (`process.memoryUsage().heapUsed`). */
  hb?: number
  /** Resident set size. */
  rb?: number
}

/** The worker went over a memory limit of the ack. */
export interface OverLimitMessage extends Envelope<'o'> {
  /** Heap used, in bytes. */
  hb: number
  /** Resident set size, in bytes. */
  rb: number
}

/** The parent asks the worker to announce itself again. */
export interface ReadyQueryMessage extends Envelope<'hq'> {
  /** The procedure names the parent expects (a generic fixture worker serves exactly these). */
  n?: string[]
}

/** The parent accepted the worker's ready message. */
export interface ReadyAckMessage extends Envelope<'ha'> {
  /** The channel's serialization, which Node does not tell a child. */
  s: Serialization
  /** Memory limits to report going over (a pool's recycling). */
  l?: MemoryLimits
  /** The most handlers to run at once (a pool's `concurrency`); later requests wait in order. */
  c?: number
  /**
   * The parent leads the worker's stop on SIGTERM: a process worker that gets SIGTERM while
   * connected sends `st` and serves on, instead of shutting down by itself.
   */
  st?: true
}

/** The parent asks the worker to shut down. */
export interface ShutdownMessage extends Envelope<'s'> {}

/** A ping (`pi`) or its pong (`po`): the parent's check that the worker's event loop turns. */
export interface PingMessage extends Envelope<'pi' | 'po'> {
  /** The ping's sequence number, which its pong repeats. */
  n: number
}

/**
 * The worker got SIGTERM (a service manager signalling the whole process group, say) and
 * leaves its stop to the parent, which drains it as part of its own shutdown or closes it.
 */
export interface SigtermMessage extends Envelope<'st'> {}

/** What a caller sends the handler of its call. */
export type ToHandlerMessage = RequestMessage | CancelMessage | (CreditMessage & { t: 'k' }) | (ChunkMessage & { t: 'yi' })

/** What a handler sends the caller of its call. */
export type ToCallerMessage = ReplyMessage | (ChunkMessage & { t: 'y' }) | (CreditMessage & { t: 'ki' }) | SettledMessage | StartedMessage

/** What a parent sends its worker besides calls. */
export type ToWorkerMessage = ReadyQueryMessage | ReadyAckMessage | ShutdownMessage | (PingMessage & { t: 'pi' })

/** What a worker sends its parent besides calls. */
export type ToParentMessage = ReadyMessage | OverLimitMessage | (PingMessage & { t: 'po' }) | SigtermMessage

export type ProtocolMessage = ToHandlerMessage | ToCallerMessage | EventMessage | BatchMessage | ToWorkerMessage | ToParentMessage
