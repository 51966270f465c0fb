// birpc over the fork IPC channel, with its defaults.
import { createBirpc } from 'birpc'
import { untilDeadline } from '../echo.contract.js'

const functions = {
  echo: (input: unknown): unknown => input,
  park: (deadline: number): Promise<number> => untilDeadline(deadline),
}
export type BirpcFunctions = typeof functions

createBirpc<Record<string, never>, BirpcFunctions>(functions, {
  post: (data) => process.send?.(data),
  on: (listener) => process.on('message', listener),
})
process.on('disconnect', () => process.exit(0))
process.send?.({ ready: true })
