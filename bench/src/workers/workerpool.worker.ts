// workerpool's process worker.
import workerpool from 'workerpool'
import { untilDeadline } from '../echo.contract.js'

workerpool.worker({
  echo: (input: unknown): unknown => input,
  park: (deadline: number): Promise<number> => untilDeadline(deadline),
})
