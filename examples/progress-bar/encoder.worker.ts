import { setTimeout } from 'node:timers/promises'
import { serve } from '@forkrpc/core'
import { encoder } from './encoder.contract.js'

serve(encoder, {
  async encode({ frames }, ctx) {
    let bytes = 0
    for (let frame = 1; frame <= frames; frame++) {
      await setTimeout(5, undefined, { signal: ctx.signal }) // "encoding" a frame
      bytes += 1_000 + frame
      ctx.emit('progress', { done: frame, total: frames })
      if (frame === Math.floor(frames / 2)) ctx.emit('log', { level: 'info', text: `half way: ${bytes} bytes` })
    }
    return { frames, bytes }
  },
})
