import { createReadStream } from 'node:fs'
import { createInterface } from 'node:readline'
import { serve } from '@forkrpc/core'
import { lines } from './lines.contract.js'

let openFiles = 0

serve(lines, {
  async *read({ path }, ctx) {
    let linesRead = 0
    const file = createReadStream(path, { encoding: 'utf8' })
    openFiles++
    try {
      for await (const line of createInterface({ input: file, crlfDelay: Infinity })) {
        linesRead++
        yield line
      }
    } finally {
      // Runs when the file is done, when the handler throws, and when the parent stops early
      // (break, AbortSignal, timeout): the file is never left open.
      file.destroy()
      openFiles--
      ctx.emit('fileClosed', { path, linesRead })
    }
  },
  openFiles: () => openFiles,
})
