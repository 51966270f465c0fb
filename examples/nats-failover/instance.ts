/**
 * One serving instance of the orders contract: run it on as many machines as you like, with
 * NATS_URL pointing at your NATS server and a name of its own. The handlers are what
 * serve(orders, handlers) would take in a forked worker.
 *
 * Run: NATS_URL=nats://127.0.0.1:4222 pnpm exec tsx examples/nats-failover/instance.ts east
 */
import { setTimeout as delay } from 'node:timers/promises'
import { serveNats } from '@forkrpc/nats'
import { connect } from '@nats-io/transport-node'
import { orders, OutOfStock } from './orders.contract.js'

const name = process.argv[2] ?? `instance-${process.pid}`
const nc = await connect({ servers: process.env.NATS_URL ?? 'nats://127.0.0.1:4222', name })
let placed = 0

const server = await serveNats(
  orders,
  {
    async price({ sku }, { signal }) {
      await delay(20, undefined, { signal }) // a lookup
      return { cents: 100 + sku.length, by: name }
    },
    async place({ sku, qty }, { signal }) {
      if (qty > 100) throw new OutOfStock(`only 100 of ${sku} left`)
      await delay(20, undefined, { signal })
      return { order: `${name}-${++placed}`, by: name }
    },
  },
  { connection: nc, subject: 'orders.v1', heartbeat: 250 },
)
console.log(`  [${name}] serving orders.v1 as ${server.instance} (pid ${process.pid})`)
process.send?.('ready')

// Drain on SIGTERM: stop taking calls, finish those in flight, leave.
process.on('SIGTERM', async () => {
  await server.close({ grace: 2_000 })
  await nc.drain()
  console.log(`  [${name}] drained and left`)
  process.exit(0)
})
process.on('disconnect', () => process.kill(process.pid, 'SIGTERM')) // the demo's parent went away
