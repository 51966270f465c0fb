/**
 * http-service: a node:http service that offloads its CPU work to a pool of 2 worker
 * processes, the shape to copy for a server. Run it alone with
 * `PORT=8080 pnpm exec tsx examples/http-service/server.ts`, then
 * `curl -d hunter2 'localhost:8080/hash?user=alice'`, `curl --data-binary @README.md localhost:8080/render`,
 * `curl localhost:8080/stats`; stop it with Ctrl-C or `kill -TERM -<its pid>`.
 * (main.ts starts it, loads it, kills a worker and SIGTERMs it, and checks every answer.)
 *
 * - Every call has a deadline: the pool's `timeout` (2 s), or less for a render (500 ms).
 *   With a timeout, the pool replaces a worker whose synchronous handler runs on past the
 *   deadline (`cancelGrace`, 1 s by default): a hostile document costs one worker 1.5 s.
 * - Under overload the pool refuses at once the calls it cannot finish in time
 *   (`overload: 'shed'`, the default), so the service answers 503 at once, not 504 later.
 * - Each error of the pool has its status: `answerError()` below.
 * - A worker that dies mid-call is replaced; its idempotent calls are retried on the other.
 * - On SIGTERM or SIGINT (to this process or to its whole process group, as systemd sends
 *   it), the server stops accepting, the requests in flight finish (the workers serve on),
 *   then the workers stop, then the process exits 0 (`handleSignals`).
 *
 * It logs JSON lines to stdout: `listening`, the pool's `spawn` / `exit` / `restart`, and the
 * steps of its shutdown.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import {
  ChannelClosedError,
  CrashLoopError,
  createPool,
  handleSignals,
  PoolOverloadedError,
  QueueFullError,
  TimeoutError,
  WorkerExitedError,
} from '@forkrpc/core'
import { work } from './work.contract.js'

const log = (event: string, fields: Record<string, unknown> = {}): void => void process.stdout.write(`${JSON.stringify({ event, ...fields })}\n`)

// Two workers, both kept running (min = max: none is stopped when idle), every call with a deadline.
const pool = createPool(work, new URL('./work.worker.ts', import.meta.url), { min: 2, max: 2, timeout: 2_000 })
pool.on('spawn', ({ pid }) => log('spawn', { pid }))
pool.on('exit', ({ pid, reason, code, signal }) => log('exit', { pid, reason, code, signal }))
pool.on('restart', ({ reason, delay }) => log('restart', { reason, delay }))
await pool.ready() // both workers up before the first request

/** What the server took, and how it answered: by status. */
const served = { accepted: 0, answered: {} as Record<number, number> }

const server = createServer((request, response) => {
  served.accepted += 1
  response.on('finish', () => (served.answered[response.statusCode] = (served.answered[response.statusCode] ?? 0) + 1))
  route(request, response).catch((error: unknown) => answerError(response, error))
})

async function route(request: IncomingMessage, response: ServerResponse): Promise<void> {
  const { pathname: path, searchParams } = new URL(request.url ?? '/', 'http://localhost')
  if (request.method === 'POST' && path === '/hash') {
    const password = await readBody(request)
    const salt = searchParams.get('user') ?? '' // a real service reads the user's salt from its database
    const hash = await pool.call.hashPassword({ password, salt })
    response.writeHead(200, { 'content-type': 'text/plain' }).end(hash)
  } else if (request.method === 'POST' && path === '/render') {
    // A render gets less time than the pool's default: 500 ms.
    const html = await pool.call.render(await readBody(request), { timeout: 500 })
    response.writeHead(200, { 'content-type': 'text/html' }).end(html)
  } else if (request.method === 'GET' && path === '/stats') {
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(pool.stats()))
  } else {
    response.writeHead(404).end()
  }
}

/** The pool's errors, as HTTP answers. */
function answerError(response: ServerResponse, error: unknown): void {
  if (response.headersSent) return void response.destroy()
  if (error instanceof PoolOverloadedError || error instanceof QueueFullError) {
    // Refused before it reached a worker: nothing ran. Try again once the queue has moved.
    // (QueueFullError: more than `maxQueue` calls waiting, for a pool that sets one.)
    const wait = error instanceof PoolOverloadedError ? (error.expectedWait ?? 1_000) : 1_000
    response.writeHead(503, { 'retry-after': String(Math.max(1, Math.ceil(wait / 1_000))) }).end('overloaded')
  } else if (error instanceof CrashLoopError) {
    response.writeHead(503, { 'retry-after': '10' }).end('workers failing') // the pool tries again after restartWindow
  } else if (error instanceof ChannelClosedError) {
    response.writeHead(503).end('shutting down') // no worker left to run it
  } else if (error instanceof TimeoutError) {
    response.writeHead(504).end('timed out')
  } else if (error instanceof WorkerExitedError) {
    response.writeHead(502).end('worker died') // a procedure that is not idempotent is not retried
  } else if (error instanceof BodyTooLargeError) {
    response.writeHead(413).end()
  } else {
    log('error', { name: (error as Error).name, message: (error as Error).message })
    response.writeHead(500).end()
  }
}

class BodyTooLargeError extends Error {}
const MAX_BODY = 256 * 1_024

/** The request's body as text, at most MAX_BODY bytes. */
async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length
    if (size > MAX_BODY) throw new BodyTooLargeError()
    chunks.push(chunk)
  }
  return Buffer.concat(chunks).toString('utf8')
}

handleSignals({
  // 1. Stop accepting; resolves once every request in flight has been answered (the workers
  //    serve them meanwhile, and the pool starts no worker from the signal on).
  beforeShutdown: async (signal) => {
    log('shutdown', { step: 'closing the server', signal })
    await new Promise<void>((resolve) => server.close(() => resolve()))
    log('shutdown', { step: 'server closed', ...served, pool: pool.stats().state })
  },
  // 2. Then the workers stop in stages (calls still in flight, if any, get 2 s).
  grace: 2_000,
  // 3. Then the app decides: exit 1 if a worker had to be killed.
  onShutdown: (results) => {
    log('shutdown', { step: 'workers stopped', results: results.map(({ pid, code, forced }) => ({ pid, code, forced })) })
    process.exitCode = results.some((result) => result.forced) ? 1 : 0
  },
})

server.listen(Number(process.env.PORT ?? 8080), '127.0.0.1', () => {
  const address = server.address()
  log('listening', { port: typeof address === 'object' && address !== null ? address.port : undefined, pid: process.pid })
})
