import { serve } from '@forkrpc/core'
import { hashPassword } from './hash-password.js'
import { renderMarkdown } from './render-markdown.js'
import { work } from './work.contract.js'

// Both handlers are synchronous: while one runs, its worker does nothing else. A call that
// outlives its deadline is the pool's business (cancelGrace), not the handler's.
serve(work, { hashPassword, render: renderMarkdown })
