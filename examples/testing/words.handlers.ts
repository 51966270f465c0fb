import type { Handlers } from '@forkrpc/core'
import type { words } from './words.contract.js'

/** The worker's handlers, in a module of their own so that tests can run them in memory. */
export const wordHandlers: Handlers<typeof words> = {
  count: (text) => text.split(/\s+/).filter(Boolean).length,
}
