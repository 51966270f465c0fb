import { serve } from '@forkrpc/core'
import { hello } from './hello.contract.js'

serve(hello, {
  add: ({ a, b }) => a + b,
  fib: ({ n }) => {
    let [x, y] = [0, 1]
    for (let i = 0; i < n; i++) [x, y] = [y, x + y]
    return x
  },
})
