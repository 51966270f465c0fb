/**
 * debug-worker: `inspect: true` opens the Node.js inspector in each worker on a free port, so
 * several workers (and a parent run with --inspect) never fight over 9229. The URL comes back
 * on the worker (`inspectorUrl`), to `onInspect`, in `workers()` and in NODE_DEBUG=forkrpc's
 * log: open it in Chrome DevTools or an IDE. Here a process and a thread are started that
 * way, and the example asks each inspector for its debug target, as a debugger would.
 *
 * Run: pnpm exec tsx examples/debug-worker/main.ts
 */
import assert from 'node:assert/strict'
import { fork, spawnThread, workers } from '@forkrpc/core'
import { hello } from '../hello/hello.contract.js'

console.log('== debug-worker: an inspector per worker, on a free port ==')

const worker = new URL('../hello/hello.worker.js', import.meta.url)
const onInspect = ({ url, module }: { url: string; module: string }) => console.log(`inspector of ${module.split('/').slice(-2).join('/')}: ${url}`)
const processWorker = await fork(hello, worker, { inspect: true, onInspect })
const threadWorker = await spawnThread(hello, worker, { inspect: true, onInspect })
try {
  for (const [name, started] of [['process', processWorker], ['thread', threadWorker]] as const) {
    const url = started.inspectorUrl
    assert.ok(url !== undefined, `the ${name} has no inspector`)
    // What a debugger does first: list the inspector's targets over HTTP.
    const port = new URL(url.replace('ws:', 'http:')).port
    const targets = (await (await fetch(`http://127.0.0.1:${port}/json/list`)).json()) as Array<{ webSocketDebuggerUrl: string; type: string }>
    console.log(`  the ${name}'s inspector lists ${targets.length} target(s), of type ${targets.map((target) => target.type).join(', ')}`)
    assert.ok(targets.some((target) => target.webSocketDebuggerUrl === url))
    console.log(`  and it still answers: add(1, 2) = ${await started.call.add({ a: 1, b: 2 })}`)
  }
  const ports = [processWorker.inspectorUrl, threadWorker.inspectorUrl].map((url) => new URL(String(url).replace('ws:', 'http:')).port)
  assert.notEqual(ports[0], ports[1])
  console.log(`workers() lists them with their URLs: ${workers().filter((info) => info.inspectorUrl !== undefined).length} of ${workers().length}`)
} finally {
  await Promise.all([processWorker.close(), threadWorker.close()])
}
