// Every check of the runtime suite, in the order it runs them and the README's table lists
// them. A check is `{ id, title, scope?, run(ctx) }`: `run` throws (node:assert) when the
// behaviour breaks; `scope: 'parent'` marks a check of the parent's runtime alone (threads,
// in-memory helpers), which does not apply to workers started on another runtime.
import { calls } from './calls.mjs'
import { lifecycle } from './lifecycle.mjs'
import { messages } from './messages.mjs'
import { packages } from './packages.mjs'
import { pools } from './pools.mjs'
import { processes } from './processes.mjs'

export const checks = [...calls, ...messages, ...lifecycle, ...processes, ...pools, ...packages]
