// tinypool's child_process runtime calls the export named by `run(task, { name })`.
import { untilDeadline } from '../echo.contract.js'

export function echo(input: unknown): unknown {
  return input
}

export function park(deadline: number): Promise<number> {
  return untilDeadline(deadline)
}
