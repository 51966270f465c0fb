import { serve } from '@forkrpc/core'
import { countPrimes } from './count-primes.js'
import { primes } from './primes.contract.js'

serve(primes, { count: ({ from, to }) => countPrimes(from, to) })
