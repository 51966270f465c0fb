/**
 * The ready handshake, seen from the parent: the worker announces the procedures it serves
 * (`h`); the parent checks them against its contract and the protocol version. The parent
 * asks for the announcement (`hq`) too, in case the first one came before it listened.
 */
import type { Channel } from '../channel/channel.js'
import { quoted } from '../base/option-checks.js'
import type { Contract } from '../contract/define-contract.js'
import { ContractMismatchError, type ExitDetails } from '../errors/worker-errors.js'
import { MessageType, PROTOCOL_VERSION } from '../protocol/messages.js'
import { isForkRpcMessage, readMessage } from '../protocol/read-message.js'

/**
 * What the handshake rejects with when the worker exits before it is ready.
 *
 * @example
 * ```ts
 * handshake(contract, channel, label, exited).catch((failure) => failure === exitedEarly && explain())
 * ```
 */
export const exitedEarly = Symbol('exited before ready')

/**
 * Resolves when the worker announces the right contract, with its inspector's URL if it has
 * one open (the `inspect` option); rejects with ContractMismatchError
 * on a mismatch (of procedures or of the protocol version), or with {@link exitedEarly}.
 *
 * @example
 * ```ts
 * await handshake(math, channel, '/app/math.worker.js', handle.exited)
 * ```
 */
export function handshake(contract: Contract, channel: Channel, label: string, exited: Promise<ExitDetails>): Promise<string | undefined> {
  return new Promise<string | undefined>((resolve, reject) => {
    const stop = channel.receive((received) => {
      if (!isForkRpcMessage(received) || received.t !== MessageType.Ready) return
      stop()
      try {
        resolve(checkReady(contract, label, received))
      } catch (error) {
        reject(error)
      }
    })
    void exited.then(() => reject(exitedEarly))
    // `n` names the procedures this parent expects; serve() ignores it, while the generic
    // fixture workers of @forkrpc/testing serve exactly these, so they fit any contract.
    channel.send({ $fr: PROTOCOL_VERSION, t: MessageType.ReadyQuery, n: [...contract.names] })
  })
}

/**
 * Throws ContractMismatchError unless `received` announces `contract`'s procedures in this
 * protocol version; returns the worker's inspector URL, if any.
 */
function checkReady(contract: Contract, label: string, received: { $fr: unknown }): string | undefined {
  if (received.$fr !== PROTOCOL_VERSION) {
    throw new ContractMismatchError(
      `Worker ${label} speaks forkrpc protocol ${JSON.stringify(received.$fr)}, this parent speaks ${PROTOCOL_VERSION}: install the same @forkrpc/core version on both sides`,
    )
  }
  const message = readMessage(received)
  if (!message || message.t !== MessageType.Ready) throw new ContractMismatchError(`Worker ${label} sent a malformed ready message: ${JSON.stringify(received).slice(0, 200)}`)
  const served = new Set(message.n)
  const missing = contract.names.filter((name) => !served.has(name))
  const unexpected = message.n.filter((name) => !contract.names.includes(name))
  if (missing.length === 0 && unexpected.length === 0) return message.iu
  const parts = []
  if (missing.length > 0) parts.push(`it does not serve ${quoted(missing)}`)
  if (unexpected.length > 0) parts.push(`it serves ${quoted(unexpected)}, which the parent's contract lacks`)
  throw new ContractMismatchError(`Worker ${label} serves a different contract: ${parts.join('; ')}`, { missing, unexpected })
}
