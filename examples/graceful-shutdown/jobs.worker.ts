import { setTimeout } from 'node:timers/promises'
import { serve } from '@forkrpc/core'
import { jobs } from './jobs.contract.js'

/** Stands for a database connection or a buffered log file: it must be closed cleanly. */
const log: string[] = []

serve(
  jobs,
  {
    async job({ name, ms }, { signal }) {
      log.push(`${name} started`)
      try {
        // The signal aborts when the worker shuts down: a long job stops at its next step.
        await setTimeout(ms, undefined, { signal })
      } catch (error) {
        log.push(`${name} stopped`)
        signal.throwIfAborted() // the reason says why: the worker is shutting down
        throw error
      }
      log.push(`${name} done`)
      return `${name}: worked ${ms} ms in worker ${process.pid}`
    },
  },
  {
    // Runs once the running handlers have settled, before the worker exits 0.
    onShutdown: async (cause) => {
      await setTimeout(50) // flushing takes a moment
      console.log(`  [worker ${process.pid}] onShutdown(${cause}): flushed ${log.length} log line(s) [${log.join(', ')}], closed the database`)
    },
  },
)
