/**
 * The worker's entry point: `serve(contract, handlers)` answers the parent's calls over the
 * process's IPC channel (or the thread's port), and shuts the worker down the same way
 * whatever asks for it: the parent's shutdown message (which works where signals do not, as
 * on Windows), the parent going away, or SIGTERM (which a forkrpc parent leads:
 * `sigterm-handling.ts`).
 */
import { debug } from '../base/debug.js'
import type { Channel } from '../channel/channel.js'
import { messagePortChannel, spawnedThreadPort } from '../channel/message-port-channel.js'
import { parentProcessChannel } from '../channel/parent-channel.js'
import type { OwnedChannel } from '../channel/process-channel.js'
import type { Contract } from '../contract/define-contract.js'
import type { Handlers } from '../contract/handler-types.js'
import { brokeProtocol } from '../errors/call-errors.js'
import { ChannelClosedError } from '../errors/worker-errors.js'
import { MessageType, PROTOCOL_VERSION } from '../protocol/messages.js'
import { DEFAULT_MAX_MESSAGE_BYTES, DEFAULT_MAX_PENDING } from '../protocol/limits.js'
import type { Peer } from '../rpc/peer.js'
import { workerPeer } from '../rpc/peer-roles.js'
import { checkServeOptions, DEFAULT_SHUTDOWN_TIMEOUT_MS, type ServeOptions, type ShutdownCause, type ShutdownHook } from './serve-options.js'
import { openInspector } from './inspector.js'
import { shutDown } from './shutdown.js'
import { SigtermHandling } from './sigterm-handling.js'
import { startWatchdog, type Watchdog } from './watchdog.js'
import { WorkerLifecycle } from './worker-lifecycle.js'

/**
 * The bound when the parent died: the orphan must be gone within a second of its parent
 * (the watchdog kills it a little later if this does not do it).
 */
const ORPHAN_SHUTDOWN_TIMEOUT_MS = 500

/** How long after a disconnect the ppid is looked at again, to see whether the parent died. */
const PARENT_DEATH_SETTLE_MS = 20

let serving = false

/**
 * Serves the contract's procedures to the parent process, or to the parent thread when
 * the module runs in a thread started by `spawnThread()`. Call it once, at the top level
 * of the worker module.
 *
 * The worker shuts down when the parent asks (`worker.close()`), or when the parent goes
 * away: it stops taking calls, aborts the `ctx.signal` of running handlers, waits for them
 * (at most `shutdownTimeout`), runs the `onShutdown` hooks, and exits 0. Signals are left
 * to the parent, which owns the worker's lifecycle. SIGINT is ignored: on Ctrl-C the parent
 * gets it too. A SIGTERM that reaches the worker while a forkrpc parent lives (systemd
 * stopping the whole process group, say) fails no call: the worker tells the parent and
 * serves on, and the parent drains it with its own shutdown, or closes it in stages if the
 * app is not shutting down (its hooks then get the cause `'SIGTERM'`). A second SIGTERM,
 * or one with no parent channel, shuts the worker down at once.
 *
 * @example
 * ```ts
 * // math.worker.ts
 * import { serve } from '@forkrpc/core'
 * import { math } from './math.contract.js'
 * serve(math, {
 *   add: ({ a, b }) => a + b,
 *   async slow(ms, { signal }) { await setTimeout(ms, undefined, { signal }); return 'done' },
 * }, { onShutdown: () => console.error('bye') })
 * ```
 */
export function serve<C extends Contract>(contract: C, handlers: Handlers<C>, options: ServeOptions<C> = {}): void {
  const hooks = checkServeOptions(options as ServeOptions)
  const port = spawnedThreadPort()
  if (port === undefined && (process.send === undefined || !process.connected)) {
    throw new Error(
      'serve() found no IPC channel: this module must run as a worker started by fork(contract, module) or spawnThread(contract, module) ' +
        "from @forkrpc/core, or by spawn() with an 'ipc' entry in stdio and connect(contract, child).",
    )
  }
  if (serving) throw new Error(`serve() was already called in this ${port === undefined ? 'process' : 'thread'}; a worker serves one contract`)
  if (port !== undefined) {
    const channel = messagePortChannel(port)
    // Before the thread exits: hand over what is still queued for the end of the turn.
    serveOverChannel(contract, handlers, channel, options as ServeOptions, hooks, { beforeExit: async () => channel.flush() })
  }
  else serveProcess(contract, handlers, options as ServeOptions, hooks)
  serving = true
}

/** What a process adds to serving over a channel. */
interface ServeExtras {
  /** Runs just before the exit (the writes still queued are flushed). */
  readonly beforeExit: () => Promise<void>
  /** The process's SIGTERM handling: it hears the ack, and names the cause of a requested shutdown. */
  readonly sigterm?: SigtermHandling | undefined
}

/**
 * Serves over `channel`; the returned function shuts the worker down for `cause`. A thread
 * shuts down on the parent's request only (close() sends it once calls in flight are done);
 * a process also on signals and disconnects (serveProcess).
 */
function serveOverChannel(
  contract: Contract,
  handlers: unknown,
  channel: Channel,
  options: ServeOptions,
  hooks: readonly ShutdownHook[],
  extras: ServeExtras,
): { peer: Peer; shutDown: (cause: ShutdownCause) => void } {
  let shuttingDown = false
  const shutDownFor = (cause: ShutdownCause): void => {
    if (shuttingDown) return
    shuttingDown = true
    const bound = cause === 'parent-died' ? ORPHAN_SHUTDOWN_TIMEOUT_MS : (options.shutdownTimeout ?? DEFAULT_SHUTDOWN_TIMEOUT_MS)
    void shutDown(peer.handler, hooks, cause, bound, extras.beforeExit)
  }
  const { sigterm } = extras
  const lifecycle = new WorkerLifecycle(
    contract,
    channel,
    { shutdownRequested: () => shutDownFor(sigterm?.causeOfRequest() ?? 'request'), acked: (ack) => sigterm?.acked(ack.st === true) },
    openInspector(),
  )
  const peer = workerPeer(contract, handlers, channel, options, {
    where: 'serve(contract, handlers)',
    lifecycle: (message) => lifecycle.handle(message),
    settled: () => lifecycle.checkMemory(),
  })
  lifecycle.attach(peer)
  lifecycle.announce()
  return { peer, shutDown: shutDownFor }
}

/** Serves over the process's IPC channel, with its signals, its disconnect and the orphan watchdog. */
function serveProcess(contract: Contract, handlers: unknown, options: ServeOptions, hooks: readonly ShutdownHook[]): void {
  // A parent that breaks the channel (bytes that are not a message, a message too large to
  // buffer, a backlog it does not read) is disconnected from, and the worker shuts down as
  // when its parent disconnects. Not by waiting for 'disconnect': Node holds that event back
  // while part of a message is buffered, until the message is whole, and then drops it (the
  // channel is gone), so it may never come.
  const channel = parentProcessChannel({
    maxMessageBytes: options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES,
    maxBacklog: options.maxPending ?? DEFAULT_MAX_PENDING,
    onViolation(why) {
      debug('the parent broke the protocol: it %s; disconnecting', why)
      channel.close((procedure) => brokeProtocol('The parent', why, 'the worker disconnected', procedure))
      if (process.connected) process.disconnect()
      served.shutDown?.('disconnect')
    },
  }) as OwnedChannel
  let watchdog: Watchdog | undefined
  // The worker exits only once every write is handed to the OS: process.exit() right
  // after a send loses a large message.
  let exiting = false
  const beforeExit = async (): Promise<void> => {
    exiting = true
    watchdog?.stop()
    if (process.connected) await channel.flushed()
  }
  // Signal and disconnect handlers go in before the worker announces itself: the parent may
  // send SIGTERM the moment it hears it, and without a handler SIGTERM kills at once.
  const parentPid = process.ppid
  const served: { shutDown?: (cause: ShutdownCause) => void } = {}
  process.once('disconnect', () => {
    channel.close((procedure) => new ChannelClosedError('The parent disconnected', { procedure }))
    // A parent that dies closes its end of the channel a moment before the kernel hands this
    // process to a new parent: look at the ppid again shortly, to tell a death from a disconnect.
    if (process.ppid !== parentPid) return served.shutDown?.('parent-died')
    setTimeout(() => served.shutDown?.(process.ppid === parentPid ? 'disconnect' : 'parent-died'), PARENT_DEATH_SETTLE_MS)
  })
  const sigterm = new SigtermHandling({
    connected: () => process.connected,
    report: () => {
      debug('SIGTERM: told the parent, which leads this worker\'s stop; serving on')
      channel.send({ $fr: PROTOCOL_VERSION, t: MessageType.Sigterm })
    },
    shutDown: () => served.shutDown?.('SIGTERM'),
  })
  process.on('SIGTERM', () => sigterm.heard())
  process.on('SIGINT', () => {
    if (process.connected) debug('SIGINT ignored: the parent decides when this worker stops')
    else served.shutDown?.('disconnect')
  })
  served.shutDown = serveOverChannel(contract, handlers, channel, options, hooks, { beforeExit, sigterm }).shutDown
  if (options.watchdog === false) return
  // Started once the ready message is written (it leaves at the end of this turn), so that
  // creating the thread (a few ms) does not delay it; not at all if the worker is already
  // exiting by then. And at the latest before the first message from the parent is handled:
  // a setImmediate is not sure to run first (measured on Node 22 under load: the first call
  // came before it, and a handler stuck in a synchronous loop then kept the watchdog from
  // ever starting). Listened to ahead of the channel's own listener.
  let started = false
  const start = (): void => {
    if (started) return
    started = true
    process.off('message', start)
    watchdog = exiting ? undefined : startWatchdog()
  }
  process.prependListener('message', start)
  setImmediate(start)
}
