import { fork } from '@forkrpc/core'
import { echoContract } from './dist/echo.contract.js'
const w = await fork(echoContract, './dist/workers/forkrpc.worker.js', { execArgv: ['--cpu-prof', '--cpu-prof-dir=/tmp/p6/child'] })
const { payloads } = await import('./dist/payloads.js'); const v = payloads[1].value
const t = performance.now()
for (let i = 0; i < 100000; i++) await w.call.echo(v)
console.log('us/call', (performance.now() - t) * 1000 / 100000)
await w.close()
