/**
 * The parent's view of a child process: a Channel over its IPC pipe, and when and how the
 * process ended (with the tail of its stderr).
 */
import type { ChildProcess } from 'node:child_process'
import type { Channel, CloseReason } from './channel.js'
import type { Serialization } from './codec.js'
import { createCoalescingSender } from './coalescing-sender.js'
import { ipcEndpoint } from './ipc-endpoint.js'
import { debug } from './debug.js'
import { WorkerExitedError, type ExitDetails } from './errors.js'
import { collectStderrTail } from './stderr-tail.js'

/** How long to wait for 'close' (stderr flushed) after 'exit' or 'disconnect'. */
const SETTLE_MS = 50

/** A watched child process. */
export interface WatchedChild {
  /**
   * Whether the child's process handle and stderr pipe keep this process alive (while
   * starting and stopping) or not (once ready: then only calls in flight do, through the
   * channel's keepAlive).
   */
  hold(active: boolean): void
  /** The channel over the child's IPC pipe; it closes once the child is gone. */
  channel: Channel
  /** Resolves when the process has exited (or failed to spawn). */
  exited: Promise<ExitDetails>
  /** Resolves when the channel has closed: the child is gone and its stderr read. */
  gone: Promise<ExitDetails>
  /** Writes the messages the channel has queued to coalesce them now: call it before disconnect(). */
  flush(): void
  /** The error that kept the process from spawning, if any. */
  spawnError(): Error | undefined
  /** Says that this side is stopping the child: its disconnect is ours, and its exit will come. */
  stopping(): void
}

/**
 * Watches `child`: its exit, its IPC channel, its stderr (copied to this process's stderr
 * when `forwardStderr` is set). Every 'error' the child emits is handled here, so that a
 * send to a dead child (EPIPE, ERR_IPC_CHANNEL_CLOSED) never crashes the parent.
 *
 * @example
 * ```ts
 * const { channel, exited } = watchChildProcess(child, 'json', 'math.worker.js', true)
 * ```
 */
export function watchChildProcess(child: ChildProcess, serialization: Serialization, label: string, forwardStderr: boolean): WatchedChild {
  const tail = collectStderrTail(child.stderr, forwardStderr ? process.stderr : undefined)
  const closeListeners: Array<(reason: CloseReason) => void> = []
  let closeReason: CloseReason | undefined
  let spawnError: Error | undefined
  let exitDetails: ExitDetails | undefined
  let settleTimer: NodeJS.Timeout | undefined
  let resolveExited!: (details: ExitDetails) => void
  let resolveGone!: (details: ExitDetails) => void
  const exited = new Promise<ExitDetails>((resolve) => (resolveExited = resolve))
  const gone = new Promise<ExitDetails>((resolve) => (resolveGone = resolve))

  // The channel is gone for good once the process has exited and its stderr is flushed
  // ('close'), or shortly after 'exit' / 'disconnect' if 'close' is late (a grandchild
  // holding stderr open), so calls in flight reject within milliseconds of a crash.
  function settleSoon(): void {
    if (closeReason === undefined) settleTimer ??= setTimeout(settle, SETTLE_MS)
  }
  function settle(): void {
    if (closeReason !== undefined) return
    clearTimeout(settleTimer)
    const details: ExitDetails = { ...(exitDetails ?? { exitCode: null, signal: null, pid: child.pid }), stderr: tail.text() }
    debug('worker %s (%s) is gone: its channel is closed', child.pid, label)
    closeReason = (procedure, inFlight) => new WorkerExitedError(details, procedure, inFlight)
    for (const listener of closeListeners.splice(0)) listener(closeReason)
    resolveGone(details)
  }
  function onExit(code: number | null, signal: NodeJS.Signals | null): void {
    debug('worker %s exited: code %s, signal %s', child.pid, code, signal)
    exitDetails ??= { exitCode: code, signal, pid: child.pid }
    resolveExited(exitDetails)
    if (stderrOpen) settleSoon()
    else settle()
  }
  // Exited with its stderr read to the end: gone. (Not 'close': Node never emits it after
  // the parent itself called disconnect(), which close() does.)
  let stderrOpen = child.stderr !== null && !child.stderr.closed
  child.stderr?.once('close', () => {
    stderrOpen = false
    if (exitDetails !== undefined) settle()
  })

  child.on('error', (error) => {
    debug('worker %s: %o', label, error)
    if (child.pid === undefined) {
      spawnError ??= error
      onExit(null, null)
    }
  })
  if (child.exitCode !== null || child.signalCode !== null) onExit(child.exitCode, child.signalCode)
  else child.once('exit', onExit)
  // A child that drops its channel cannot answer: its calls fail soon, exited or not. But
  // when this side disconnected (close()), the exit is awaited, so that its code is known.
  let stopping = false
  child.once('disconnect', () => {
    if (!stopping) settleSoon()
  })
  child.once('close', settle)

  // A write to a child that is gone fails in its callback (the coalescing sender logs it);
  // the calls in flight are rejected when the channel settles.
  const sender = createCoalescingSender((message, written) => child.send(message, written))
  const channel: Channel = {
    serialization,
    ...ipcEndpoint(child, sender, () => `worker ${child.pid}`),
    onClose(listener) {
      if (closeReason === undefined) closeListeners.push(listener)
      else listener(closeReason)
    },
    keepAlive(active) {
      if (!child.connected) return
      if (active) child.channel?.ref()
      else child.channel?.unref()
    },
  }
  const stderr = child.stderr as (NodeJS.ReadableStream & { ref?(): void; unref?(): void }) | null
  function hold(active: boolean): void {
    if (active) {
      child.ref()
      stderr?.ref?.()
      child.channel?.ref()
    } else {
      child.unref()
      stderr?.unref?.()
    }
  }
  return {
    channel,
    exited,
    gone,
    hold,
    flush: sender.flushNow,
    spawnError: () => spawnError,
    stopping: () => {
      stopping = true
    },
  }
}
