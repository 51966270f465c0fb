/**
 * The worker's end of its IPC channel to the parent (`process.send` / `process.on('message')`).
 */
import { debug } from '../base/debug.js'
import { CloseListeners } from './channel.js'
import { guardedSender, ipcEndpoint } from './ipc-endpoint.js'
import type { ChannelGuard } from './ipc-read-guard.js'
import type { OwnedChannel } from './process-channel.js'

/**
 * The channel to this process's parent, or undefined when it has no IPC channel. Its
 * serialization starts as `json`; the parent's ready ack says what it really is (Node does
 * not tell a child). Batched writes are flushed before the process exits, because
 * `process.exit()` right after a send loses a large message; `flushed()` resolves once they
 * are written, or once the parent has disconnected. With a `guard`, a parent that writes
 * what is not a message, starts one too large, or leaves too many unread is reported to it.
 */
export function parentProcessChannel(guard?: ChannelGuard): OwnedChannel | undefined {
  const send = process.send?.bind(process)
  if (send === undefined || !process.connected) return undefined
  const sender = guardedSender(process, (message, written) => send(message, undefined, undefined, written), guard)
  const closing = new CloseListeners()
  // Once the parent has disconnected nothing more can be written, so nothing is waited for:
  // Bun (1.4.5) never calls back a write that the parent's disconnect overtook, and the
  // worker would wait for it until its shutdown bound, to exit 1.
  const disconnected = new Promise<void>((resolve) => process.once('disconnect', () => resolve()))
  // A send after the parent is gone is reported here (asynchronously) instead of throwing.
  process.on('error', (error) => debug('IPC error: %o', error))
  return {
    serialization: 'json',
    ...ipcEndpoint(process, sender, () => `parent ${process.ppid}`),
    onClose: (listener) => closing.add(listener),
    close: (reason) => closing.close(reason),
    flush: sender.flushNow,
    flushed: () => Promise.race([sender.flushed(), disconnected]),
  }
}
