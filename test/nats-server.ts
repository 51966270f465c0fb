/**
 * A real nats-server for the tests: found on the PATH (or in /usr/sbin, where Debian's
 * package puts it), started on a free loopback port (`-p -1`: the server picks one and says
 * which), stopped afterwards. `ensureNatsServer()` (the vitest global set-up) installs
 * Debian's package `nats-server` when it is missing and this is root with apt-get; no npm
 * package ships the binary itself (the one that wraps it, nats-memory-server, downloads it
 * from GitHub when installed, which fails where only the registries are reachable).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { accessSync, constants, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { delimiter, join } from 'node:path'

const EXTRA_DIRS = ['/usr/sbin', '/usr/local/sbin', '/usr/local/bin', '/usr/bin']

/** The nats-server binary, or undefined when there is none. */
export function findNatsServer(): string | undefined {
  const fromEnv = process.env.NATS_SERVER_BIN
  const dirs = [...(process.env.PATH ?? '').split(delimiter).filter(Boolean), ...EXTRA_DIRS]
  for (const candidate of [fromEnv, ...dirs.map((dir) => join(dir, 'nats-server'))]) {
    if (candidate === undefined || candidate === '') continue
    try {
      accessSync(candidate, constants.X_OK)
      return candidate
    } catch {}
  }
  return undefined
}

/**
 * The nats-server binary, installed first (Debian's package, with apt-get, as root) when it
 * is missing. Throws with what to install when it cannot be.
 */
export function ensureNatsServer(): string {
  const found = findNatsServer()
  if (found !== undefined) return found
  const root = process.getuid?.() === 0
  let aptGet: string | undefined
  try {
    aptGet = execFileSync('sh', ['-c', 'command -v apt-get'], { encoding: 'utf8' }).trim() || undefined
  } catch {}
  if (root && aptGet !== undefined) {
    console.error('nats-server is missing: installing the Debian package nats-server (apt-get), which the NATS tests run against')
    execFileSync('sh', ['-c', 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nats-server'], { stdio: 'inherit' })
    const installed = findNatsServer()
    if (installed !== undefined) return installed
  }
  throw new Error(
    'The NATS tests need nats-server (2.9 or later) and it was not found on the PATH or in /usr/sbin. ' +
      'Install it (Debian/Ubuntu: apt-get install nats-server; elsewhere: the nats-server release for your platform), or set NATS_SERVER_BIN to its path.',
  )
}

/** A running nats-server. */
export interface NatsServerProcess {
  /** `nats://127.0.0.1:<port>`. */
  readonly url: string
  readonly port: number
  readonly pid: number | undefined
  /** Stops it (SIGTERM, then SIGKILL) and waits for it to exit. */
  stop(): Promise<void>
  /** Stops it and starts it again on the same port. */
  restart(options?: { downFor?: number }): Promise<void>
  /** Kills it at once (SIGKILL: no goodbye to its clients), keeping its port for start(). */
  kill(): Promise<void>
  /** Starts it again on the same port, after kill(). */
  start(): Promise<void>
}

export interface StartOptions {
  /** nats-server's `max_payload`, in bytes. */
  maxPayload?: number
}

/** Starts nats-server on a free loopback port and resolves once it takes connections. */
export async function startNatsServer(options: StartOptions = {}): Promise<NatsServerProcess> {
  const binary = ensureNatsServer()
  const dir = mkdtempSync(join(tmpdir(), 'forkrpc-nats-'))
  const config = join(dir, 'nats.conf')
  writeFileSync(config, options.maxPayload === undefined ? '' : `max_payload: ${options.maxPayload}\n`)
  let child = await launch(binary, config, -1)
  const port = child.port
  const server: NatsServerProcess = {
    url: `nats://127.0.0.1:${port}`,
    port,
    get pid() {
      return child.process.pid
    },
    async stop() {
      await kill(child.process)
      rmSync(dir, { recursive: true, force: true })
    },
    async restart({ downFor = 0 } = {}) {
      await kill(child.process)
      if (downFor > 0) await new Promise((resolve) => setTimeout(resolve, downFor))
      child = await launch(binary, config, port)
    },
    async kill() {
      await kill(child.process, 'SIGKILL')
    },
    async start() {
      await kill(child.process)
      child = await launch(binary, config, port)
    },
  }
  running.add(server)
  return server
}

const running = new Set<NatsServerProcess>()

/** Stops every server this process started and has not stopped. */
export async function stopAllNatsServers(): Promise<void> {
  const servers = [...running]
  running.clear()
  await Promise.all(servers.map((server) => server.stop()))
}

async function launch(binary: string, config: string, port: number): Promise<{ process: ChildProcess; port: number }> {
  const child = spawn(binary, ['-c', config, '-a', '127.0.0.1', '-p', String(port)], { stdio: ['ignore', 'ignore', 'pipe'] })
  let log = ''
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`nats-server did not start within 10 s:\n${log}`))
    }, 10_000)
    child.stderr?.setEncoding('utf8')
    child.stderr?.on('data', (data: string) => {
      log += data
      const listening = /Listening for client connections on [^\s]*:(\d+)/.exec(log)
      if (listening !== null && /Server is ready/.test(log)) {
        clearTimeout(timer)
        child.stderr?.removeAllListeners('data')
        child.stderr?.resume()
        resolve({ process: child, port: Number(listening[1]) })
      }
    })
    child.on('exit', (code, signal) => {
      clearTimeout(timer)
      reject(new Error(`nats-server exited (${code ?? signal}) before it was ready:\n${log}`))
    })
  })
}

async function kill(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise((resolve) => child.once('exit', resolve))
  child.kill(signal)
  const timer = setTimeout(() => child.kill('SIGKILL'), 2_000)
  await exited
  clearTimeout(timer)
}
