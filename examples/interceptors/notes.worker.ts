import { serve, type HandlerInterceptor } from '@forkrpc/core'
import { notes } from './notes.contract.js'

const kept: string[] = []

/** The worker's side: refuse `wipe` unless the caller's metadata says it is an admin. */
const adminsOnly: HandlerInterceptor = (call, next) => {
  if (call.procedure === 'wipe' && call.ctx.metadata.role !== 'admin') throw new Error(`${call.ctx.metadata.user ?? 'someone'} may not wipe the notes`)
  return next(call.input)
}

serve(
  notes,
  {
    add: (note) => kept.push(note),
    wipe: () => kept.splice(0).length,
    async *all() {
      yield* kept
    },
  },
  { interceptors: { handler: [adminsOnly] } },
)
