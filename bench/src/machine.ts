/** What the numbers were measured on. */
import os from 'node:os'

export interface Machine {
  node: string
  os: string
  cpu: string
  cpus: number
  memoryGiB: number
  loadAverage: number[]
  /** Set when the run is over. */
  loadAverageAtEnd?: number[]
  date: string
}

export function describeMachine(): Machine {
  const cpus = os.cpus()
  return {
    node: process.version,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    cpu: cpus[0]?.model.trim() ?? 'unknown',
    cpus: cpus.length,
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    loadAverage: os.loadavg().map((load) => Math.round(load * 100) / 100),
    date: new Date().toISOString(),
  }
}

/** Resident and proportional set size of a process, in MB (Linux; undefined elsewhere). */
export async function processMemory(pid: number): Promise<{ rssMB: number; pssMB: number } | undefined> {
  try {
    const { readFile } = await import('node:fs/promises')
    const text = await readFile(`/proc/${pid}/smaps_rollup`, 'utf8')
    const field = (name: string): number => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? NaN) / 1024
    return { rssMB: Math.round(field('Rss') * 10) / 10, pssMB: Math.round(field('Pss') * 10) / 10 }
  } catch {
    return undefined
  }
}
