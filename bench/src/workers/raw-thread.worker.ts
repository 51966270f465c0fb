// Raw worker thread messages: one message per call, `{ i, m, v }` in and `{ i, v }` out, like
// raw.worker.ts over the process channel.
import { parentPort } from 'node:worker_threads'
import { untilDeadline } from '../echo.contract.js'

interface RawRequest {
  i: number
  m: 'echo' | 'park'
  v: unknown
}

const port = parentPort
if (port === null) throw new Error('raw-thread.worker.js runs in a worker thread')
port.on('message', (message: RawRequest) => {
  if (message.m === 'park') void untilDeadline(message.v as number).then((v) => port.postMessage({ i: message.i, v }))
  else port.postMessage({ i: message.i, v: message.v })
})
port.postMessage({ ready: true })
