/**
 * The handle of a process worker: its exit, its IPC channel, its stderr (copied to this
 * process's stderr when forkrpc piped it), and its process group. Every 'error' the child
 * emits is handled here, so that a send to a dead child (EPIPE, ERR_IPC_CHANNEL_CLOSED) never
 * crashes the parent.
 */
import type { ChildProcess } from 'node:child_process'
import { debug } from '../base/debug.js'
import { holdChildProcess, holdIpcChannel } from '../channel/ipc-hold.js'
import { processChannel } from '../channel/process-channel.js'
import { brokeProtocol } from '../errors/call-errors.js'
import { workerExited, type ExitDetails } from '../errors/worker-errors.js'
import { DEFAULT_MAX_MESSAGE_BYTES, DEFAULT_MAX_PENDING } from '../protocol/limits.js'
import { MessageType, PROTOCOL_VERSION } from '../protocol/messages.js'
import type { Serialization } from '../protocol/payload.js'
import { OutOfMemoryWatch } from './out-of-memory.js'
import { deniedAtLoad } from './privilege/denied-at-load.js'
import { endGroup, PROCESS_GROUPS_SUPPORTED, signalGroup } from './process-group.js'
import { signalChild } from './signal-child.js'
import { collectStderrTail } from './stderr-tail.js'
import { typeScriptRefused } from './typescript-runner.js'
import type { WorkerHandle } from './worker-handle.js'

/** Windows has no SIGSTOP, so no SIGCONT either (Node rejects the signal there). */
const RESUME_SUPPORTED = process.platform !== 'win32'

/** How long to wait for the stderr pipe to close after 'exit' or 'disconnect'. */
const SETTLE_MS = 50

/** What a process handle needs besides the child. */
export interface ProcessHandleSettings {
  readonly serialization: Serialization
  readonly label: string
  /** Copy the child's stderr to this process's stderr (when forkrpc piped it). */
  readonly forwardStderr: boolean
  /** The child leads its own process group, signalled as a whole and emptied when it exits. */
  readonly processGroup: boolean
  /** How long what is left of the group gets after SIGTERM. */
  readonly killTimeout: number
  /** The limits of this side: a child that breaks its channel (ipc-read-guard.ts) is killed. */
  readonly maxMessageBytes?: number | undefined
  readonly maxPending?: number | undefined
}

/** The children a handle speaks for: call ids are unique per client, so one channel carries one. */
const handledChildren = new WeakSet<ChildProcess>()

/** Whether forkrpc already speaks over this child's IPC channel (`fork()` started it, or `connect()` took it). */
export function isHandled(child: ChildProcess): boolean {
  return handledChildren.has(child)
}

export function processHandle(child: ChildProcess, settings: ProcessHandleSettings): WorkerHandle {
  handledChildren.add(child)
  // A child that breaks its channel (bytes that are not a message, a message too large to
  // buffer, a backlog it does not read) is killed, and its calls fail with ProtocolError.
  let violation: Error | undefined
  const channel = processChannel(child, settings.serialization, {
    maxMessageBytes: settings.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES,
    maxBacklog: settings.maxPending ?? DEFAULT_MAX_PENDING,
    onViolation(why) {
      const peer = `Worker ${settings.label} (pid ${child.pid})`
      debug('%s broke the protocol: it %s; killing it', peer, why)
      violation = brokeProtocol(peer, why, 'it was killed')
      channel.close((procedure) => brokeProtocol(peer, why, 'it was killed', procedure))
      kill()
    },
  })
  const watch = new ChildWatch(child, settings.forwardStderr, (details) => channel.close((procedure, inFlight) => workerExited(details, procedure, inFlight)))
  const group = settings.processGroup && PROCESS_GROUPS_SUPPORTED && child.pid !== undefined ? child.pid : undefined
  const signal = (name: NodeJS.Signals): void => {
    if (group === undefined || !signalGroup(group, name)) signalChild(child, name)
  }
  // Grandchildren in the worker's group must not outlive it, however it ended.
  const gone = group === undefined ? watch.gone : watch.gone.then(async (details) => (await endGroup(group, settings.killTimeout), details))
  const stderr = child.stderr as (NodeJS.ReadableStream & { ref?(): void; unref?(): void }) | null
  let killed = false
  let terminated = false
  const kill = (): void => {
    if (child.exitCode !== null || child.signalCode !== null) return
    killed = true
    signal('SIGKILL')
  }
  return {
    runtime: 'process',
    label: settings.label,
    pid: child.pid ?? 0,
    threadId: undefined,
    channel,
    exited: watch.exited,
    gone,
    ended: watch.ended,
    running: () => child.exitCode === null && child.signalCode === null,
    resume() {
      if (RESUME_SUPPORTED && child.exitCode === null && child.signalCode === null) signal('SIGCONT')
    },
    requestShutdown() {
      if (!child.connected) return
      channel.send({ $fr: PROTOCOL_VERSION, t: MessageType.Shutdown })
      channel.flush() // disconnect() comes next and would drop what is still queued
      child.disconnect()
    },
    terminate() {
      terminated = true
      signal('SIGTERM')
    },
    terminated: () => terminated,
    kill,
    killed: () => killed,
    hold(active) {
      holdChildProcess(child, active)
      if (active) {
        stderr?.ref?.()
        holdIpcChannel(child, true)
      } else stderr?.unref?.()
    },
    stopping: () => watch.stopping(),
    explainEarlyExit: (details) => explainEarlyExit(settings.label, details),
    startError: () => watch.spawnError ?? violation,
  }
}

/**
 * When the child has exited; when it is gone (its channel closed: exited, or disconnected a
 * moment ago); and when it has ended (exited, its stderr read to the end).
 */
class ChildWatch {
  readonly exited: Promise<ExitDetails>
  readonly gone: Promise<ExitDetails>
  readonly ended: Promise<ExitDetails>
  spawnError: Error | undefined
  readonly #child: ChildProcess
  readonly #tail: { text(): string | undefined }
  readonly #outOfMemory: OutOfMemoryWatch
  readonly #closeChannel: (details: ExitDetails) => void
  #exitDetails: ExitDetails | undefined
  #settled = false
  #settleTimer: NodeJS.Timeout | undefined
  #stderrOpen: boolean
  #stopping = false
  #resolveExited!: (details: ExitDetails) => void
  #resolveGone!: (details: ExitDetails) => void
  #resolveEnded!: (details: ExitDetails) => void
  #endTimer: NodeJS.Timeout | undefined

  constructor(child: ChildProcess, forwardStderr: boolean, closeChannel: (details: ExitDetails) => void) {
    this.#child = child
    this.#closeChannel = closeChannel
    this.#tail = collectStderrTail(child.stderr, forwardStderr ? process.stderr : undefined)
    this.#outOfMemory = new OutOfMemoryWatch(child.stderr)
    this.exited = new Promise((resolve) => (this.#resolveExited = resolve))
    this.gone = new Promise((resolve) => (this.#resolveGone = resolve))
    this.ended = new Promise((resolve) => (this.#resolveEnded = resolve))
    // Exited with its stderr read to the end: gone. (Not 'close': Node never emits it after
    // the parent itself called disconnect(), which close() does.)
    this.#stderrOpen = child.stderr !== null && !child.stderr.closed
    child.stderr?.once('close', () => {
      this.#stderrOpen = false
      if (this.#exitDetails !== undefined) {
        this.#settle()
        this.#end()
      }
    })
    child.on('error', (error) => {
      debug('worker %s: %o', child.pid, error)
      if (child.pid === undefined) {
        this.spawnError ??= error
        this.#onExit(null, null)
      }
    })
    if (child.exitCode !== null || child.signalCode !== null) this.#onExit(child.exitCode, child.signalCode)
    else child.once('exit', (code, signal) => this.#onExit(code, signal))
    // A child that drops its channel cannot answer: its calls fail soon, exited or not. But
    // when this side disconnected (close()), the exit is awaited, so that its code is known.
    child.once('disconnect', () => {
      if (!this.#stopping) this.#settleSoon()
    })
    child.once('close', () => this.#settle())
  }

  stopping(): void {
    this.#stopping = true
  }

  #onExit(code: number | null, signal: NodeJS.Signals | null): void {
    debug('worker %s exited: code %s, signal %s', this.#child.pid, code, signal)
    this.#exitDetails ??= { exitCode: code, signal, pid: this.#child.pid }
    this.#resolveExited(this.#exitDetails)
    if (this.#stderrOpen) {
      this.#settleSoon()
      this.#endTimer ??= setTimeout(() => this.#end(), SETTLE_MS)
    } else {
      this.#settle()
      this.#end()
    }
  }

  /** Exited, and its stderr read to the end (or given SETTLE_MS after the exit). */
  #end(): void {
    clearTimeout(this.#endTimer)
    this.#resolveEnded({ ...(this.#exitDetails as ExitDetails), stderr: this.#tail.text() })
  }

  // The channel is gone for good once the process has exited and its stderr is flushed, or
  // shortly after 'exit' / 'disconnect' if that is late (a grandchild holding stderr open),
  // so that calls in flight reject within milliseconds of a crash.
  #settleSoon(): void {
    if (!this.#settled) this.#settleTimer ??= setTimeout(() => this.#settle(), SETTLE_MS)
  }

  #settle(): void {
    if (this.#settled) return
    this.#settled = true
    clearTimeout(this.#settleTimer)
    const details: ExitDetails = { ...(this.#exitDetails ?? { exitCode: null, signal: null, pid: this.#child.pid }), stderr: this.#tail.text() }
    // V8 aborts a process over its heap limit: it said so on stderr, and did not exit 0.
    if (this.#outOfMemory.seen && (details.signal !== null || (details.exitCode !== null && details.exitCode !== 0))) details.outOfMemory = true
    debug('worker %s is gone: its channel is closed', this.#child.pid)
    this.#closeChannel(details)
    this.#resolveGone(details)
  }
}

function explainEarlyExit(label: string, details: ExitDetails): string {
  const how = details.signal ? `it was killed by ${details.signal}` : `it exited with code ${details.exitCode}`
  const stderr = details.stderr ?? ''
  const typeScript = typeScriptRefused(label, stderr)
  if (typeScript !== undefined) return `${how}: ${typeScript}`
  const denied = deniedAtLoad(stderr)
  if (denied !== undefined) return `${how}: ${denied}`
  if (details.exitCode === 0) return `${how} without calling serve(contract, handlers)`
  return `${how} before calling serve()`
}
