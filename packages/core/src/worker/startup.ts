/**
 * The start of a worker, the same for a process and a thread: register it, wait for its
 * ready handshake (at most `startupTimeout`), accept it, and give it its peer. On any
 * failure the worker is killed and awaited before the start rejects, so nothing is left
 * behind.
 */
import { debug } from '../base/debug.js'
import { limitOf, within } from '../base/timeouts.js'
import type { Contract } from '../contract/define-contract.js'
import { startupFailed, workerUnresponsive, type ExitDetails } from '../errors/worker-errors.js'
import { MessageType, PROTOCOL_VERSION, type MemoryLimits, type ProtocolMessage, type ReadyAckMessage } from '../protocol/messages.js'
import type { Peer } from '../rpc/peer.js'
import { parentPeer } from '../rpc/peer-roles.js'
import { appShutdown } from '../supervision/app-shutdown.js'
import { track, type StopOptions } from '../supervision/registry.js'
import { exitedEarly, handshake } from './handshake.js'
import { type InspectOptions } from './inspect-option.js'
import { LivenessWatch } from './liveness.js'
import type { ManagedWorker } from './managed-worker.js'
import { SigtermLead } from './sigterm-lead.js'
import { stopWorker } from './stop.js'
import type { WorkerHandle } from './worker-handle.js'
import { DEFAULT_STARTUP_TIMEOUT_MS, stopLimits, type WorkerOptions } from './worker-options.js'

/** What a pool adds to a worker's start. */
export interface StartExtras {
  /** Memory limits the worker reports going over (for a pool's recycling). */
  readonly memoryLimits?: MemoryLimits | undefined
  /** Hears every forkrpc message from the worker, once its peer has handled it. */
  readonly observe?: ((message: ProtocolMessage) => void) | undefined
  /** The most handlers the worker runs at once (a pool's `concurrency`); more calls wait there, in order. */
  readonly concurrency?: number | undefined
  /**
   * Stops a ready worker that got SIGTERM while the app runs (`sigterm-lead.ts`): a pool
   * retires it. Default: its `close()`, in stages.
   */
  readonly onSigterm?: (() => void) | undefined
  /** A pool's worker: `shutdownAll()` leaves its stop to the pool's `close()`. */
  readonly pooled?: boolean | undefined
}

const startupTimedOut = Symbol('startup timed out')

/** Starts the worker behind `handle`; `make` builds the worker object once it is ready. */
export async function startWorker<W extends ManagedWorker<Contract>>(
  contract: Contract,
  handle: WorkerHandle,
  options: WorkerOptions & InspectOptions & { host?: unknown },
  extras: StartExtras,
  make: (peer: Peer, limits: StopOptions, inspectorUrl: string | undefined) => W,
): Promise<W> {
  const limits = stopLimits(options)
  let worker: W | undefined
  let inspectorUrl: string | undefined
  const untrack = track({
    info: () => ({
      runtime: handle.runtime,
      pid: handle.pid,
      threadId: handle.threadId,
      module: handle.label,
      state: worker === undefined ? 'starting' : worker.state === 'ready' ? 'ready' : 'closing',
      inFlight: worker?.inFlight ?? 0,
      inspectorUrl,
    }),
    // Still starting: its start rejects with StartupError once it has exited.
    stop: (stopOptions) => worker?.close(stopOptions) ?? stopWorker(handle, Promise.resolve(), { grace: 0, killTimeout: stopOptions.killTimeout ?? limits.killTimeout }),
    kill: () => handle.kill(),
    pooled: extras.pooled === true,
  })
  void handle.gone.then(untrack)
  const startupTimeout = options.startupTimeout ?? DEFAULT_STARTUP_TIMEOUT_MS
  try {
    inspectorUrl = await within(handshake(contract, handle.channel, handle.label, handle.exited), startupTimeout, () => startupTimedOut)
  } catch (failure) {
    handle.kill()
    throw explainFailure(handle, failure, await endOf(handle), startupTimeout)
  }
  const ack: ReadyAckMessage = { $fr: PROTOCOL_VERSION, t: MessageType.ReadyAck, s: handle.channel.serialization }
  if (extras.memoryLimits !== undefined) ack.l = extras.memoryLimits
  if (extras.concurrency !== undefined) ack.c = extras.concurrency
  // A process worker that gets SIGTERM tells this side, which leads its stop (a thread gets no signals).
  if (handle.runtime === 'process') ack.st = true
  handle.channel.send(ack)
  // An idle worker does not keep the parent alive: a script that is done exits, and the
  // worker, seeing its channel close, exits too. Calls in flight and close() hold it.
  handle.hold(false)
  const lead = leadOnSigterm(handle, () => worker, extras)
  const lifecycle = (message: ProtocolMessage): void => {
    if (message.t === MessageType.Sigterm) lead.heard()
  }
  const peer = parentPeer(contract, handle.channel, options, { lifecycle, observe: extras.observe })
  worker = make(peer, limits, inspectorUrl)
  watchLiveness(handle, peer, options)
  reportInspector(handle, options, inspectorUrl)
  return worker
}

/** The parent's lead of the worker's SIGTERM: left to the app's shutdown, or the worker stopped in stages. */
function leadOnSigterm(handle: WorkerHandle, worker: () => ManagedWorker<Contract> | undefined, extras: StartExtras): SigtermLead {
  const lead = new SigtermLead({
    appStopping: () => appShutdown.stopping,
    closing: () => worker()?.state !== 'ready',
    terminated: () => handle.terminated(),
    shutDownNow: () => handle.channel.send({ $fr: PROTOCOL_VERSION, t: MessageType.Shutdown }),
    stop: () => {
      if (extras.onSigterm !== undefined) return extras.onSigterm()
      worker()
        ?.close()
        .catch((error: unknown) => debug('closing %s after its SIGTERM failed: %o', handle.label, error))
    },
  })
  void handle.gone.then(() => lead.gone())
  return lead
}

/** With `unresponsiveAfter`: a worker silent for longer has its calls rejected and is killed. */
function watchLiveness(handle: WorkerHandle, peer: Peer, options: WorkerOptions): void {
  const limit = limitOf(options.unresponsiveAfter)
  if (limit === undefined) return
  const watch = new LivenessWatch(handle, limit, (silentFor) => {
    peer.close((procedure) => workerUnresponsive(handle.label, silentFor, handle.runtime === 'process' ? handle.pid : undefined, procedure))
    handle.kill()
    options.onUnresponsive?.({ silentFor })
  })
  void handle.gone.then(() => watch.stop())
}

/** With `inspect`: the inspector's URL in the debug log and to `onInspect`. */
function reportInspector(handle: WorkerHandle, options: InspectOptions, url: string | undefined): void {
  if (options.inspect === undefined || options.inspect === false) return
  if (url === undefined) {
    debug('%s opened no inspector (its port may be taken)', handle.label)
    return
  }
  debug('the inspector of %s is at %s', handle.label, url)
  options.onInspect?.({ url, module: handle.label })
}

/**
 * How a worker that failed to start ended, once it is gone: its exit, with its stderr read to
 * the end. The channel may close (and `gone` resolve) before the exit is reported (measured:
 * Node 22 under load, a worker that exited 0 without serving had exitCode null) and before
 * the last of stderr is read (Deno writes a module's uncaught error after closing the channel).
 */
async function endOf(handle: WorkerHandle): Promise<ExitDetails> {
  const [, ended] = await Promise.all([handle.gone, handle.ended])
  return ended
}

function explainFailure(handle: WorkerHandle, failure: unknown, details: ExitDetails, startupTimeout: number): unknown {
  const stopped = handle.runtime === 'process' ? 'killed' : 'stopped'
  if (failure === startupTimedOut) return startupFailed(handle.label, `it did not call serve() within ${startupTimeout} ms, so it was ${stopped}`, details)
  if (failure !== exitedEarly) return failure
  const startError = handle.startError()
  if (startError !== undefined) return startupFailed(handle.label, `it could not be started: ${startError.message}`, details, startError)
  return startupFailed(handle.label, handle.explainEarlyExit(details), details)
}
