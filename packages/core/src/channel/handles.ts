/**
 * Handles (sockets, servers) that arrive with a message: Node's IPC channel can pass them
 * (`send(message, socket)`), and makes them live in the receiving process (a server is
 * listened on there and keeps it alive). forkrpc never sends one, so one that comes with a
 * forkrpc message is a peer breaking the protocol: the handle is closed and the message
 * dropped. One that comes with someone else's message is left to its listeners, and closed
 * when there are none.
 */
import { debug } from '../base/debug.js'
import { isForkRpcMessage } from '../protocol/read-message.js'

/**
 * Closes `handle` when it came with a forkrpc message or when `alone` (no other listener
 * will take it); a forkrpc message that came with one is dropped.
 */
export function refuseHandle(message: unknown, handle: unknown, alone: boolean): void {
  const ours = isForkRpcMessage(message)
  if (ours) debug('dropped a %s message that came with a handle, which forkrpc never sends; the handle is closed', String(message.t).slice(0, 20))
  if (ours || alone) closeHandle(handle)
}

/** Closes a socket (destroy), a server or a datagram socket (close), or a raw handle (close). */
function closeHandle(handle: unknown): void {
  const closable = handle as { destroy?: unknown; close?: unknown }
  try {
    if (typeof closable.destroy === 'function') (closable.destroy as () => void)()
    else if (typeof closable.close === 'function') (closable.close as () => void)()
  } catch (error) {
    debug('could not close a handle that came with a message: %o', error)
  }
}
