import { afterEach, describe, expect, it } from 'vitest'
import { fork, spawnThread, type ContractWorker } from '@forkrpc/core'
import { configured, MissingKeyError } from '../../fixtures/config.contract.js'
import { fixture, tsx } from '../../helpers.js'

const host = {
  getConfig: (key: string): string => {
    if (key === 'region') return 'eu-west-1'
    throw new MissingKeyError(key)
  },
}

const open: Array<ContractWorker<typeof configured>> = []
afterEach(async () => {
  await Promise.all(open.splice(0).map((worker) => worker.close({ grace: 0, killTimeout: 500 })))
})

const transports = {
  process: () => fork(configured, fixture('config.worker.ts'), { execArgv: tsx, stdio: ['ignore', 'ignore', 'pipe', 'ipc'], host }),
  'process (advanced)': () => fork(configured, fixture('config.worker.ts'), { execArgv: tsx, stdio: ['ignore', 'ignore', 'pipe', 'ipc'], serialization: 'advanced', host }),
  thread: () => spawnThread(configured, fixture('config.worker.ts'), { execArgv: tsx, host }),
}

describe.each(Object.entries(transports))('two-way calls over a %s', (_name, start) => {
  it("a handler asks the parent for configuration; the parent's errors come back as their class", async () => {
    const worker = await start()
    open.push(worker)
    expect(await worker.call.describe('region')).toMatch(/^region=eu-west-1 \(asked from \d+\)$/)
    expect(await worker.call.describe('secret')).toBe('secret is missing')
  })
})
