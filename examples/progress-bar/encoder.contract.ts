import { defineContract, event, procedure } from '@forkrpc/core'

/** A slow job that reports its progress, and a log line now and then. */
export const encoder = defineContract(
  {
    encode: procedure<{ frames: number }, { frames: number; bytes: number }>(),
  },
  {
    events: {
      // `onProgress` of a call hears the `progress` events of that call only.
      progress: event<{ done: number; total: number }>(),
      // Any listener (`worker.on('log', ...)`) hears every `log` event.
      log: event<{ level: 'info' | 'warn'; text: string }>(),
    },
  },
)
