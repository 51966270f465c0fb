// Raw NATS request-reply with @nats-io/transport-node: a queue subscription that answers each
// request with `msg.respond()`. Like a hand-written service, it reads the JSON request
// (`{ m, v }`) and writes a JSON reply (`{ v }`). argv: the server's URL and the subject.
import { connect } from '@nats-io/transport-node'
import { untilDeadline } from '../echo.contract.js'

const [url, subject] = process.argv.slice(2) as [string, string]
const nc = await connect({ servers: url })
nc.subscribe(subject, {
  queue: subject,
  callback: (error, msg) => {
    if (error !== null) return
    const request = msg.json<{ m: 'echo' | 'park'; v: unknown }>()
    if (request.m === 'park') void untilDeadline(request.v as number).then((v) => msg.respond(JSON.stringify({ v })))
    else msg.respond(JSON.stringify({ v: request.v }))
  },
})
await nc.flush()
process.send?.('ready')
process.on('disconnect', () => process.exit(0))
