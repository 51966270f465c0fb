/**
 * What the misbehaving fixture workers share: serving whatever contract the parent
 * expects, and reading their settings from the environment. Not part of the public API.
 *
 * A fixture cannot import the user's contract, so it waits for the parent's ready query,
 * which names the procedures the parent expects (`n`), and serves exactly those with the
 * fixture's one generic handler. The handshake therefore succeeds for any contract.
 */
import { defineContract, procedure, serve, type Contract, type HandlerContext, type Handlers } from '@forkrpc/core'

/** The one handler a fixture gives every procedure. */
export type GenericHandler = (input: unknown, ctx: HandlerContext) => unknown

/**
 * Serves the contract the parent asks for, every procedure with `handler`; resolves once
 * serving. `FORKRPC_FIXTURE_SHUTDOWN_TIMEOUT_MS` sets serve()'s `shutdownTimeout`.
 */
export function serveWhatTheParentExpects(fixture: string, handler: GenericHandler): Promise<void> {
  const shutdownTimeout = numberSetting('FORKRPC_FIXTURE_SHUTDOWN_TIMEOUT_MS', 3_000)
  let served!: () => void
  const serving = new Promise<void>((resolve) => (served = resolve))
  if (process.send === undefined) {
    process.stderr.write(`forkrpc fixture ${fixture}: no IPC channel; fork() this module from a forkrpc parent\n`)
    process.exit(1)
  }
  const onMessage = (message: unknown): void => {
    const query = message as { $fr?: unknown; t?: unknown; n?: unknown } | null
    if (typeof query !== 'object' || query === null || query.t !== 'hq' || !Object.hasOwn(query, '$fr')) return
    process.off('message', onMessage)
    const names = query.n
    if (!Array.isArray(names) || !names.every((name): name is string => typeof name === 'string')) {
      process.stderr.write(`forkrpc fixture ${fixture}: the parent did not say which procedures it expects; use the same @forkrpc/core version as @forkrpc/testing\n`)
      process.exit(1)
    }
    const contract: Contract = defineContract(Object.fromEntries(names.map((name) => [name, procedure<unknown, unknown>()])))
    serve(contract, Object.fromEntries(names.map((name) => [name, handler])) as Handlers<Contract>, { shutdownTimeout })
    served()
  }
  process.on('message', onMessage)
  return serving
}

/** A non-negative integer setting from the environment, or `fallback`. */
export function numberSetting(name: string, fallback: number): number {
  const raw = process.env[name]
  if (raw === undefined || raw === '') return fallback
  const value = Number(raw)
  if (!Number.isInteger(value) || value < 0) {
    process.stderr.write(`forkrpc fixture: ${name} must be a non-negative integer, got ${JSON.stringify(raw)}\n`)
    process.exit(1)
  }
  return value
}

/** Writes `line` to stderr, then exits with `code` (stderr flushed, so the parent can quote it). */
export function exitWith(code: number, line: string): void {
  process.stderr.write(`${line}\n`, () => process.exit(code))
}
