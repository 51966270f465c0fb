import { serve } from '@forkrpc/core'
import { greeter } from './greeter.contract.js'

// Whatever the parent spawned the worker with: here, its first command-line argument.
const greeting = process.argv[2] ?? 'Hello'
console.error(`[greeter worker ${process.pid}] started with greeting ${JSON.stringify(greeting)}`)

serve(greeter, {
  greet: (name) => `${greeting}, ${name}! (from pid ${process.pid})`,
})
