/** The example's HTTP client: one request per connection (no keep-alive), and how it ended. */
import { request } from 'node:http'

/** An answer (its status, `retry-after` header and body), or the connection's error code; and how long it took. */
export type Outcome = ({ status: number; retryAfter: string | undefined; body: string } | { error: string }) & { ms: number; startedAt: number }

/** Sends one request to the service on 127.0.0.1:`port`. Never rejects. */
export function send(port: number, method: 'GET' | 'POST', path: string, body = ''): Promise<Outcome> {
  const startedAt = performance.now()
  const ended = (): { ms: number; startedAt: number } => ({ ms: performance.now() - startedAt, startedAt })
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, method, path, agent: false }, (response) => {
      let text = ''
      response.setEncoding('utf8')
      response.on('data', (chunk: string) => (text += chunk))
      response.on('end', () => resolve({ status: response.statusCode ?? 0, retryAfter: response.headers['retry-after'], body: text, ...ended() }))
      response.on('error', (error: NodeJS.ErrnoException) => resolve({ error: error.code ?? error.message, ...ended() }))
    })
    req.on('error', (error: NodeJS.ErrnoException) => resolve({ error: error.code ?? error.message, ...ended() }))
    req.end(body)
  })
}

/** `clients` clients, each sending `next()`'s request as soon as its last one is answered, until `stop()` is true or a request fails to connect. */
export async function loops(clients: number, next: () => Promise<Outcome>, stop: () => boolean): Promise<Outcome[]> {
  const outcomes: Outcome[] = []
  const client = async (): Promise<void> => {
    while (!stop()) {
      const outcome = await next()
      outcomes.push(outcome)
      if ('error' in outcome) return
    }
  }
  await Promise.all(Array.from({ length: clients }, client))
  return outcomes
}

/** How many outcomes of each status (or error code). */
export function tally(outcomes: readonly Outcome[]): Record<string, number> {
  const counts: Record<string, number> = {}
  for (const outcome of outcomes) {
    const kind = 'status' in outcome ? String(outcome.status) : outcome.error
    counts[kind] = (counts[kind] ?? 0) + 1
  }
  return counts
}

/** The median of `values` (NaN if none), rounded to a ms. */
export const median = (values: number[]): number => Math.round([...values].sort((a, b) => a - b)[values.length >> 1] ?? NaN)
