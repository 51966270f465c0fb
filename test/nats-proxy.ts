/**
 * A TCP proxy in front of a nats-server, for the tests that cut one client's connection while
 * the others (a serving instance) keep theirs: `cut()` drops every connection through it and
 * refuses new ones (the client keeps trying to reconnect), `restore()` lets them through again.
 */
import { createConnection, createServer, type Socket } from 'node:net'

/** A proxy to a nats-server on the loopback. */
export interface NatsProxy {
  /** `nats://127.0.0.1:<its port>`: connect the client to cut here. */
  readonly url: string
  /** Drops every connection through it; new ones are refused until restore(). */
  cut(): void
  /** Lets connections through again. */
  restore(): void
  /** Stops it. */
  close(): Promise<void>
}

/** Starts a proxy to the nats-server on `port`. */
export async function startNatsProxy(port: number): Promise<NatsProxy> {
  const sockets = new Set<Socket>()
  let open = true
  const track = (socket: Socket): void => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
    socket.on('error', () => socket.destroy())
  }
  const server = createServer((client) => {
    track(client)
    if (!open) return void client.destroy()
    const upstream = createConnection({ host: '127.0.0.1', port })
    track(upstream)
    client.pipe(upstream)
    upstream.pipe(client)
    client.on('close', () => upstream.destroy())
    upstream.on('close', () => client.destroy())
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  if (address === null || typeof address === 'string') throw new Error('the proxy has no port')
  const cutAll = (): void => {
    for (const socket of sockets) socket.destroy()
  }
  return {
    url: `nats://127.0.0.1:${address.port}`,
    cut() {
      open = false
      cutAll()
    },
    restore() {
      open = true
    },
    async close() {
      cutAll()
      await new Promise((resolve) => server.close(resolve))
    },
  }
}
