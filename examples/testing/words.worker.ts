import { serve } from '@forkrpc/core'
import { words } from './words.contract.js'
import { wordHandlers } from './words.handlers.js'

serve(words, wordHandlers)
