/**
 * A throwaway nats-server for the example: found on the PATH (or in /usr/sbin, where
 * Debian's package `nats-server` puts it), started on a free loopback port.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { accessSync, constants } from 'node:fs'
import { delimiter, join } from 'node:path'

export function findNatsServer(): string | undefined {
  for (const dir of [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/usr/local/bin']) {
    try {
      accessSync(join(dir, 'nats-server'), constants.X_OK)
      return join(dir, 'nats-server')
    } catch {}
  }
  return undefined
}

/** Starts nats-server on 127.0.0.1 and a port it picks (`-p -1`); resolves with its URL. */
export function startNatsServer(binary: string): Promise<{ url: string; process: ChildProcess }> {
  const child = spawn(binary, ['-a', '127.0.0.1', '-p', '-1'], { stdio: ['ignore', 'ignore', 'pipe'] })
  let log = ''
  return new Promise((resolve, reject) => {
    child.stderr?.setEncoding('utf8').on('data', (data: string) => {
      log += data
      const port = /Listening for client connections on [^\s]*:(\d+)/.exec(log)?.[1]
      if (port !== undefined && log.includes('Server is ready')) resolve({ url: `nats://127.0.0.1:${port}`, process: child })
    })
    child.on('exit', (code) => reject(new Error(`nats-server exited with ${code}:\n${log}`)))
  })
}
