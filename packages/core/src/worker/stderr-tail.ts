/**
 * Keeps the last few kilobytes a child wrote to stderr, so that StartupError and
 * WorkerExitedError can say what the child said before it died.
 */
import type { Readable } from 'node:stream'

/** At most this many bytes of stderr are kept. */
const MAX_BYTES = 8 * 1024
/** At most this many lines are reported. */
const MAX_LINES = 30

/** The tail of a stream; `text()` returns the last lines seen so far. */
export interface StderrTail {
  text(): string | undefined
}

/**
 * Reads `stream` (putting it in flowing mode) and keeps its last bytes; when `forward` is
 * set, also copies every chunk to `forward`, so the user still sees the child's errors.
 */
export function collectStderrTail(stream: Readable | null | undefined, forward?: NodeJS.WritableStream): StderrTail {
  if (!stream) return { text: () => undefined }
  let kept = Buffer.alloc(0)
  stream.on('data', (chunk: Buffer | string) => {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk
    forward?.write(bytes)
    kept = Buffer.concat([kept, bytes])
    if (kept.length > MAX_BYTES) kept = kept.subarray(-MAX_BYTES)
  })
  stream.on('error', () => {})
  return {
    text() {
      if (kept.length === 0) return undefined
      const lines = kept.toString('utf8').trimEnd().split('\n')
      return lines.slice(-MAX_LINES).join('\n')
    },
  }
}
