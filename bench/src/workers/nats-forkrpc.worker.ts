// forkrpc over NATS: serveNats() with the echo contract's handlers. argv: the server's URL and the subject.
import { serveNats } from '@forkrpc/nats'
import { connect } from '@nats-io/transport-node'
import { echoContract, untilDeadline } from '../echo.contract.js'

const [url, subject] = process.argv.slice(2) as [string, string]
const nc = await connect({ servers: url })
await serveNats(echoContract, { echo: (value) => value, park: (deadline) => untilDeadline(deadline) }, { connection: nc, subject })
process.send?.('ready')
process.on('disconnect', () => process.exit(0))
