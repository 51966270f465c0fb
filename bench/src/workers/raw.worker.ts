// Raw process.send: one message per call, `{ i, m, v }` in and `{ i, v }` out.
import { untilDeadline } from '../echo.contract.js'

interface RawRequest {
  i: number
  m: 'echo' | 'park'
  v: unknown
}

process.on('message', (message: RawRequest) => {
  if (message.m === 'park') void untilDeadline(message.v as number).then((v) => process.send?.({ i: message.i, v }))
  else process.send?.({ i: message.i, v: message.v })
})
process.on('disconnect', () => process.exit(0))
process.send?.({ ready: true })
