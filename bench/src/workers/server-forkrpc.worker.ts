// forkrpc's pool worker for the server row (processes and threads).
import { serve } from '@forkrpc/core'
import { serverContract } from '../server.contract.js'
import { hashPassword } from '../server-work.js'

serve(serverContract, { hash: hashPassword })
