/**
 * Starts server.ts as a service manager would: the leader of a process group of its own,
 * its workers in that group too, so that `process.kill(-pid, 'SIGTERM')` reaches them all
 * (systemd's default, `KillMode=control-group`). Reads its JSON log lines.
 */
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'

export type LogLine = { event: string } & Record<string, unknown>

export interface Service {
  readonly pid: number
  readonly port: number
  /** Every line it has logged so far. */
  lines(): LogLine[]
  /** Its exit code and signal. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
  /** SIGKILLs its whole group, if any of it is left (the example's own cleanup, when a check fails). */
  kill(): void
}

export async function startService(): Promise<Service> {
  const server = fileURLToPath(new URL('./server.ts', import.meta.url))
  // process.execArgv passes tsx on; PORT=0: any free port.
  const child = spawn(process.execPath, [...process.execArgv, server], { detached: true, stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, PORT: '0' } })
  const pid = child.pid as number
  const kill = (): void => {
    try {
      process.kill(-pid, 'SIGKILL')
    } catch {} // already gone
  }
  // Not in our process group, it would outlive us: kill it when we exit, or are interrupted.
  process.once('exit', kill)
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      kill()
      process.exit(1)
    })
  }
  let output = ''
  child.stdout.setEncoding('utf8')
  child.stdout.on('data', (chunk: string) => (output += chunk))
  const lines = (): LogLine[] => output.split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as LogLine)
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })))
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout.on('data', () => {
      const listening = lines().find((line) => line.event === 'listening')
      if (listening !== undefined) resolve(listening.port as number)
    })
    void exited.then(({ code, signal }) => reject(new Error(`the server exited (code ${code}, signal ${signal}) before it listened`)))
  })
  return { pid, port, lines, exited, kill }
}
