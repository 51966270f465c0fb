import { raw, forkrpc, birpc } from './dist/subjects.js'
import { payloads } from './dist/payloads.js'
const subs = [raw('json'), forkrpc('json', false), birpc(), forkrpc('json')]
const rs = []
for (const s of subs) rs.push(await s.start())
for (const p of payloads.slice(0, 2)) {
  const v = p.value
  for (const r of rs) for (let i = 0; i < 3000; i++) await r.call('echo', v)
  const best = rs.map(() => Infinity)
  for (let rep = 0; rep < 15; rep++) {
    for (const [k, r] of rs.entries()) { const t = performance.now(); for (let i = 0; i < 300; i++) await r.call('echo', v); best[k] = Math.min(best[k], (performance.now() - t) * 1000 / 300) }
  }
  console.log(p.name, best.map((b) => b.toFixed(1)).join('  '))
}
for (const r of rs) await r.close()
