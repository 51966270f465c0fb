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

/** What the handshake rejects with when the worker exits before it is ready. */
export const exitedEarly = Symbol('exited before ready')

/**
 * Resolves when the worker announces the right contract, with its inspector's URL if it has
 * one open (the `inspect` option); rejects with ContractMismatchError
 * on a mismatch (of procedures or of the protocol version), or with {@link exitedEarly}.
 */
export function handshake(contract: Contract, channel: Channel, label: string, exited: Promise<ExitDetails>): Promise<string | undefined> {
  return new Promise<string | undefined>((resolve, reject) => {
    const stop = channel.receive((received) => {
      if (!isForkRpcMessage(received) || received.t !== MessageType.Ready) return
      stop()
      try {
        resolve(checkReady(contract, label, received))
      } catch (error) {
        reject(error instanceof ContractMismatchError ? error : new ContractMismatchError(`Worker ${label} sent a malformed ready message`, { cause: error }))
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
 * protocol version; returns the worker's inspector URL, if any. Every field of `received` is
 * the worker's to choose: they are described, never serialized (a BigInt, or a value nested
 * 100,000 deep, makes JSON.stringify throw).
 */
function checkReady(contract: Contract, label: string, received: { $fr: unknown }): string | undefined {
  if (received.$fr !== PROTOCOL_VERSION) {
    const version = typeof received.$fr === 'number' ? `forkrpc protocol ${received.$fr}` : `an unknown forkrpc protocol (its $fr is ${describeField(received.$fr)})`
    throw new ContractMismatchError(`Worker ${label} speaks ${version}, this parent speaks ${PROTOCOL_VERSION}: install the same @forkrpc/core version on both sides`)
  }
  const message = readMessage(received)
  if (!message || message.t !== MessageType.Ready) {
    const { n, iu } = received as { n?: unknown; iu?: unknown }
    const fault = Array.isArray(n) && n.every((name) => typeof name === 'string') ? `its inspector URL (iu) is ${describeField(iu)}` : `its procedure names (n) are ${describeField(n)}`
    throw new ContractMismatchError(`Worker ${label} sent a malformed ready message: ${fault}`)
  }
  const served = new Set(message.n)
  const missing = contract.names.filter((name) => !served.has(name))
  const unexpected = message.n.filter((name) => !contract.names.includes(name))
  if (missing.length === 0 && unexpected.length === 0) return message.iu
  const parts = []
  if (missing.length > 0) parts.push(`it does not serve ${listed(missing)}`)
  if (unexpected.length > 0) parts.push(`it serves ${listed(unexpected)}, which the parent's contract lacks`)
  throw new ContractMismatchError(`Worker ${label} serves a different contract: ${parts.join('; ')}`, { missing, unexpected })
}

/** The first names, quoted (a worker may announce a million). */
function listed(names: readonly string[]): string {
  const shown = names.slice(0, 10).map((name) => (name.length > 60 ? `${name.slice(0, 60)}…` : name))
  return names.length > shown.length ? `${quoted(shown)} and ${names.length - shown.length} more` : quoted(shown)
}

/** A short description of a field the other side sent, whatever it is (a value nested 100,000 deep, a BigInt of a million digits). */
function describeField(value: unknown): string {
  if (Array.isArray(value)) return `an array of ${value.length}, not all strings`
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}…` : value)
  if (typeof value === 'bigint') return 'a BigInt'
  if (typeof value === 'object' && value !== null) return 'an object'
  return String(value)
}
