/**
 * Looking at processes from the outside: whether a pid is alive, and which processes
 * descend from one. Descendants are read from /proc, so on systems without it (macOS,
 * Windows) that check finds none.
 */
import { readdirSync, readFileSync } from 'node:fs'

/** True while a process with this pid exists and is not a zombie. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
  const stat = readStat(pid)
  if (stat !== undefined) return stat.state !== 'Z' && stat.state !== 'X'
  // No /proc here (only kill() can tell), or the process was reaped between the two looks.
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/** The live descendants of `pid` (children, grandchildren, ...), from /proc; [] without /proc. */
export function descendantsOf(pid: number): number[] {
  const tree = processTree()
  const found: number[] = []
  const queue = [pid]
  while (queue.length > 0) {
    for (const child of tree.get(queue.shift() as number) ?? []) {
      found.push(child)
      queue.push(child)
    }
  }
  return found
}

/** The live children of `pid`, from /proc; [] without /proc. */
export function childrenOf(pid: number): number[] {
  return processTree().get(pid) ?? []
}

/** Live (non-zombie) processes by parent pid. */
function processTree(): Map<number, number[]> {
  const childrenByParent = new Map<number, number[]>()
  let entries: string[]
  try {
    entries = readdirSync('/proc')
  } catch {
    return childrenByParent
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue
    const stat = readStat(Number(entry))
    if (stat === undefined || stat.state === 'Z') continue
    const siblings = childrenByParent.get(stat.ppid) ?? []
    siblings.push(Number(entry))
    childrenByParent.set(stat.ppid, siblings)
  }
  return childrenByParent
}

function readStat(pid: number): { state: string; ppid: number } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    // The command name (in parentheses) may contain spaces; the fields after it do not.
    const [state, ppid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return { state: state ?? '', ppid: Number(ppid) }
  } catch {
    return undefined
  }
}
