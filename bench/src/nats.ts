/**
 * The NATS rows: forkrpc over NATS (`serveNats` in a child process, `connectNats` here)
 * against raw NATS request-reply with the same client (`nc.request()` here, a queue
 * subscription answering with `msg.respond()` in a child process), both through one local
 * nats-server on a loopback port: one call in flight (tiny and ~1 KB) and 100 in flight.
 * Skipped, with a note, when nats-server is not installed.
 */
import { fork, spawn, type ChildProcess } from 'node:child_process'
import { accessSync, constants } from 'node:fs'
import { delimiter, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { connectNats } from '@forkrpc/nats'
import { connect, type NatsConnection } from '@nats-io/transport-node'
import { echoContract } from './echo.contract.js'
import { measurePair, type PairResults, type PairSettings } from './measure.js'
import type { Running, Subject } from './subjects.js'

export const RAW_NATS = 'raw NATS request-reply'
export const FORKRPC_NATS = 'forkrpc over NATS'

/** How the NATS rows are measured. */
export type NatsSettings = PairSettings

export type NatsResults = (PairResults & { server: string }) | { skipped: string }

const worker = (name: string): string => fileURLToPath(new URL(`./workers/${name}.worker.js`, import.meta.url))

function findNatsServer(): string | undefined {
  for (const dir of [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/usr/local/bin']) {
    try {
      accessSync(join(dir, 'nats-server'), constants.X_OK)
      return join(dir, 'nats-server')
    } catch {}
  }
  return undefined
}

async function startServer(binary: string): Promise<{ url: string; version: string; process: ChildProcess }> {
  const child = spawn(binary, ['-a', '127.0.0.1', '-p', '-1'], { stdio: ['ignore', 'ignore', 'pipe'] })
  let log = ''
  return new Promise((resolve, reject) => {
    child.stderr?.setEncoding('utf8').on('data', (data: string) => {
      log += data
      const port = /Listening for client connections on [^\s]*:(\d+)/.exec(log)?.[1]
      if (port !== undefined && log.includes('Server is ready')) resolve({ url: `nats://127.0.0.1:${port}`, version: /Version:\s+(\S+)/.exec(log)?.[1] ?? '?', process: child })
    })
    child.on('exit', (code) => reject(new Error(`nats-server exited with ${code}:\n${log}`)))
  })
}

async function startResponder(name: string, url: string, subject: string): Promise<ChildProcess> {
  const child = fork(worker(name), [url, subject], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
  await new Promise<void>((resolve, reject) => {
    child.once('message', () => resolve())
    child.once('exit', (code) => reject(new Error(`${name} exited with ${code} before it was ready`)))
  })
  return child
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve()
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  child.kill()
  return exited
}

/** Raw request-reply: `nc.request()` with a JSON body, the reply's JSON read back. */
function rawNats(url: string): Subject {
  return {
    name: RAW_NATS,
    async start() {
      const responder = await startResponder('nats-raw', url, 'bench.raw')
      const nc: NatsConnection = await connect({ servers: url })
      return {
        pid: responder.pid,
        call: async (method, input) => (await nc.request('bench.raw', JSON.stringify({ m: method, v: input }), { timeout: 30_000 })).json<{ v: unknown }>().v,
        close: async () => {
          await nc.close()
          await stop(responder)
        },
      }
    },
  }
}

/** forkrpc over NATS with its defaults. */
function forkrpcNats(url: string): Subject {
  return {
    name: FORKRPC_NATS,
    async start() {
      const responder = await startResponder('nats-forkrpc', url, 'bench.forkrpc')
      const nc = await connect({ servers: url })
      const rpc = await connectNats(echoContract, { connection: nc, subject: 'bench.forkrpc' })
      return {
        pid: responder.pid,
        call: (method, input) => (method === 'echo' ? rpc.call.echo(input) : rpc.call.park(input as number)),
        close: async () => {
          await rpc.close()
          await nc.close()
          await stop(responder)
        },
      }
    },
  }
}

/** The NATS rows: a server, both subjects started, warmed up, measured interleaved, closed. */
export async function measureNats(settings: NatsSettings, log: (text: string) => void): Promise<NatsResults> {
  const binary = findNatsServer()
  if (binary === undefined) {
    log('nats: skipped, nats-server not found (Debian: apt-get install nats-server)')
    return { skipped: 'nats-server was not found on this machine (Debian: apt-get install nats-server)' }
  }
  const server = await startServer(binary)
  try {
    const results = await measurePair([rawNats(server.url), forkrpcNats(server.url)], settings, 'nats', log)
    return { ...results, server: `nats-server ${server.version} on loopback` }
  } finally {
    await stop(server.process)
  }
}
