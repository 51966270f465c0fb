/**
 * The handle of a thread worker: its exit, its uncaught error (kept as the "stderr" of
 * WorkerExitedError and StartupError), and its port.
 */
import type { Worker } from 'node:worker_threads'
import { debug } from '../base/debug.js'
import { threadChannel } from '../channel/thread-channel.js'
import { workerExited, type ExitDetails } from '../errors/worker-errors.js'
import { MessageType, PROTOCOL_VERSION } from '../protocol/messages.js'
import { isThreadOutOfMemory } from './out-of-memory.js'
import { typeScriptRefused } from './typescript-runner.js'
import type { WorkerHandle } from './worker-handle.js'

export function threadHandle(thread: Worker, label: string): WorkerHandle {
  const channel = threadChannel(thread)
  let uncaught: string | undefined
  let outOfMemory = false
  let exitedAlready = false
  let killed = false
  let terminated = false
  thread.on('error', (error: unknown) => {
    debug('thread %d: uncaught %o', thread.threadId, error)
    uncaught = error instanceof Error ? (error.stack ?? `${error.name}: ${error.message}`) : String(error)
    outOfMemory ||= isThreadOutOfMemory(error)
  })
  const exited = new Promise<ExitDetails>((resolve) => {
    thread.once('exit', (exitCode) => {
      exitedAlready = true
      const details: ExitDetails = { exitCode, signal: null, stderr: uncaught, ...(outOfMemory ? { outOfMemory } : {}) }
      debug('thread %d exited: %o', thread.threadId, details)
      channel.close((procedure, inFlight) => workerExited(details, procedure, inFlight))
      resolve(details)
    })
  })
  const threadId = thread.threadId
  const requestShutdown = (): void => channel.send({ $fr: PROTOCOL_VERSION, t: MessageType.Shutdown })
  return {
    runtime: 'thread',
    label,
    pid: process.pid,
    threadId,
    channel,
    exited,
    gone: exited,
    ended: exited,
    running: () => !exitedAlready,
    resume: () => undefined,
    requestShutdown,
    // A thread has no signals: the firm stage asks again (serve() ignores a second request).
    terminate() {
      terminated = true
      requestShutdown()
    },
    terminated: () => terminated,
    kill() {
      if (exitedAlready) return
      killed = true
      void thread.terminate()
    },
    killed: () => killed,
    hold(active) {
      if (exitedAlready) return
      if (active) thread.ref()
      else thread.unref()
    },
    stopping: () => undefined,
    explainEarlyExit: (details) =>
      details.stderr === undefined ? `it exited with code ${details.exitCode} without calling serve(contract, handlers)` : (typeScriptRefused(label, details.stderr) ?? 'it threw before calling serve()'),
    startError: () => undefined,
  }
}
