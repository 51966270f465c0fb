/** NODE_DEBUG=forkrpc logs every protocol event on both sides, with the worker's pid and the call id. */
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import { fixture, tsx } from '../../helpers.js'

const run = promisify(execFile)

describe('NODE_DEBUG=forkrpc', () => {
  it('logs send, receive, timeout, cancel and exit with the pid and the call id, in parent and worker', async () => {
    const { FORKRPC_DEBUG: _ignored, ...env } = process.env
    const { stdout, stderr } = await run(process.execPath, [...tsx, fixture('debug-parent.ts')], { env: { ...env, NODE_DEBUG: 'forkrpc' }, timeout: 15_000 })
    const pid = stdout.trim()
    expect(pid).toMatch(/^\d+$/)
    const parent = new RegExp(`^FORKRPC ${process.pid}|^FORKRPC \\d+: `)
    const lines = stderr.split('\n').filter((line) => parent.test(line))
    const text = lines.join('\n')
    // The parent: requests sent and replies received, naming the worker's pid and the call id.
    expect(text).toMatch(new RegExp(`to worker ${pid} request call [\\w-]+ "sleep"`))
    expect(text).toMatch(new RegExp(`from worker ${pid} result call [\\w-]+`))
    expect(text).toMatch(new RegExp(`to worker ${pid} cancel call [\\w-]+ "?.*\\(timed out after 20 ms\\)`))
    expect(text).toMatch(new RegExp(`to worker ${pid} cancel call [\\w-]+.*\\(aborted\\)`))
    expect(text).toMatch(/timed out after 20 ms/)
    expect(text).toMatch(new RegExp(`worker ${pid} exited: code \\w+, signal \\w+`))
    // The worker (it inherits NODE_DEBUG) logs under its own pid.
    expect(text).toMatch(new RegExp(`FORKRPC ${pid}: from parent \\d+ request call [\\w-]+ "sleep"`))
    expect(text).toMatch(new RegExp(`FORKRPC ${pid}: to parent \\d+ result call`))
  })

  it('is silent without it', async () => {
    const { FORKRPC_DEBUG: _ignored, NODE_DEBUG: _ignoredToo, ...env } = process.env
    const { stderr } = await run(process.execPath, [...tsx, fixture('debug-parent.ts')], { env, timeout: 15_000 })
    expect(stderr).not.toContain('FORKRPC')
  })
})
