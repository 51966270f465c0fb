/**
 * Shared by the NATS tests: a nats-server per test file, serving instances as child
 * processes (test/fixtures/nats-host.ts), callers, and cleanup that leaves no process and no
 * connection behind, pass or fail.
 */
import { fork, type ChildProcess } from 'node:child_process'
import { afterAll, afterEach } from 'vitest'
import type { ContractWithoutHost } from '@forkrpc/core'
import { connectNats, type ConnectNatsOptions, type NatsWorker } from '@forkrpc/nats'
import { connect, type NatsConnection } from '@nats-io/transport-node'
import { fixture, isAlive, tsx, waitForExit, type Transport } from './helpers.js'
import { startNatsServer, stopAllNatsServers, type NatsServerProcess, type StartOptions } from './nats-server.js'

/** Heartbeats fast enough that a lost instance shows within a test's time. */
export const TEST_HEARTBEAT = 200
export const TEST_HEARTBEAT_TIMEOUT = 1_000

let shared: Promise<NatsServerProcess> | undefined

/** This file's nats-server, started on first use and stopped after the file. */
export function natsServer(): Promise<NatsServerProcess> {
  shared ??= startNatsServer()
  return shared
}

/** A server of the test's own (another max_payload, or one it restarts), stopped after the file. */
export function ownNatsServer(options: StartOptions = {}): Promise<NatsServerProcess> {
  return startNatsServer(options)
}

const connections = new Set<NatsConnection>()
const instances = new Set<ChildProcess>()
const sharedInstances = new Set<ChildProcess>()

/** A NATS connection that reconnects quickly and for ever; closed after the test. */
export async function natsConnection(url: string): Promise<NatsConnection> {
  const nc = await connect({ servers: url, reconnectTimeWait: 50, maxReconnectAttempts: -1 })
  connections.add(nc)
  return nc
}

/**
 * Resolves once `nc` reports a status event of `type` ('disconnect', 'reconnect', 'close'),
 * and a turn later, so that the channels on it (whose iterators hear it too) have seen it.
 */
export async function statusEvent(nc: NatsConnection, type: string): Promise<void> {
  const events = nc.status()
  for await (const status of events) {
    if (status.type !== type) continue
    ;(events as { stop?: () => void }).stop?.()
    break
  }
  await new Promise((resolve) => setImmediate(resolve))
}

/** A serving instance in a child process. */
export interface Instance {
  readonly child: ChildProcess
  readonly pid: number
  /** Its instance subject when it became ready. */
  readonly instance: string
  /** Messages it sent over IPC (the remote fixture's executions among them). */
  readonly messages: unknown[]
  /** Asks it to drain and exit; resolves once it has. */
  close(): Promise<void>
  /**
   * Resolves once every message it has sent so far is in `messages`: a reply over NATS can
   * reach the test before the IPC message the instance wrote first (two sockets, no order
   * between them). A live instance echoes a `sync` behind them; a dead one's channel ends.
   */
  synced(): Promise<void>
}

let subjects = 0

/** A subject no other test of this file uses. */
export function freshSubject(name = 'svc'): string {
  return `forkrpc.test.${name}.${process.pid}.${++subjects}`
}

/**
 * Starts a serving instance of `which` (math, streams, remote) and waits until it serves.
 * It is killed after the test, or after the file with `shared` (started in a beforeAll).
 * A remote instance with `holdAfter` holds (never answers) the once/again calls it takes after
 * that many executions.
 */
export async function startInstance(which: 'math' | 'streams' | 'remote', url: string, subject: string, options: { heartbeat?: number; shared?: boolean; holdAfter?: number } = {}): Promise<Instance> {
  const child = fork(fixture('nats-host.ts'), [which, url, subject, String(options.heartbeat ?? TEST_HEARTBEAT), String(options.holdAfter ?? Infinity)], { execArgv: tsx, stdio: ['ignore', 'ignore', 'inherit', 'ipc'] })
  ;(options.shared === true ? sharedInstances : instances).add(child)
  const messages: unknown[] = []
  const ready = await new Promise<string>((resolve, reject) => {
    child.on('message', (message) => {
      messages.push(message)
      const ready = (message as { ready?: string }).ready
      if (ready !== undefined) resolve(ready)
    })
    child.once('exit', (code, signal) => reject(new Error(`the ${which} instance exited (${code ?? signal}) before it served`)))
  })
  return {
    child,
    pid: child.pid as number,
    instance: ready,
    messages,
    async synced() {
      if (!child.connected) return
      await new Promise<void>((resolve) => {
        const finish = (): void => {
          child.off('message', onMessage)
          child.off('disconnect', finish)
          resolve()
        }
        const onMessage = (message: unknown): void => {
          if ((message as { synced?: boolean } | null)?.synced === true) finish()
        }
        child.on('message', onMessage)
        child.once('disconnect', finish)
        // A dead instance cannot take it (the callback gets the error): its 'disconnect' comes
        // once the parent has read all it wrote.
        child.send('sync', () => undefined)
      })
    },
    async close() {
      if (child.exitCode !== null || child.signalCode !== null) return
      const exited = new Promise((resolve) => child.once('exit', resolve))
      child.send('close')
      await exited
    },
  }
}

/** A caller of `subject` over its own connection; closed after the test. */
export async function connectCaller<C extends ContractWithoutHost>(contract: C, url: string, subject: string, options: Partial<ConnectNatsOptions> = {}): Promise<NatsWorker<C>> {
  const nc = await natsConnection(url)
  return connectNats(contract, { connection: nc, subject, heartbeatTimeout: TEST_HEARTBEAT_TIMEOUT, ...options })
}

async function killAll(children: Set<ChildProcess>): Promise<void> {
  for (const child of children) {
    if (child.pid !== undefined && isAlive(child.pid)) {
      child.kill('SIGKILL')
      await waitForExit(child.pid).catch(() => undefined)
    }
  }
  children.clear()
}

afterEach(async () => {
  const closing = [...connections].map((nc) => nc.close().catch(() => undefined))
  connections.clear()
  await Promise.all(closing)
  await killAll(instances)
})

afterAll(async () => {
  await killAll(sharedInstances)
  shared = undefined
  await stopAllNatsServers()
})

/**
 * The contract suite's NATS transport: the fixture's handlers served by an instance in a
 * child process (nats-host.ts), called through connectNats. Closing the worker closes the
 * caller, then the instance (draining).
 */
export const natsTransport: Transport = {
  name: 'nats',
  async start(contract, name) {
    const which = ({ 'math.worker.ts': 'math', 'stream.worker.ts': 'streams' } as const)[name as 'math.worker.ts' | 'stream.worker.ts']
    if (which === undefined) throw new Error(`no NATS instance serves the fixture ${name}`)
    const { url } = await natsServer()
    const subject = freshSubject(which)
    const instance = await startInstance(which, url, subject)
    // The suite is about semantics: a timeout that a loaded machine does not trip (the default is 3 s).
    const worker = await connectCaller(contract, url, subject, { heartbeatTimeout: 2_000 })
    const close = worker.close.bind(worker)
    return Object.assign(Object.create(worker) as typeof worker, {
      async close(options?: { grace?: number }) {
        const result = await close(options)
        await instance.close()
        return result
      },
    })
  },
}
