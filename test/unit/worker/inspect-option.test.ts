import { describe, expect, it } from 'vitest'
import { inspectArgv, inspectTarget } from '../../../packages/core/src/worker/inspect-option.js'

describe('inspectTarget', () => {
  it('reads true, a port and { host, port }, with 127.0.0.1 and a free port by default', () => {
    expect(inspectTarget({}, 'fork()')).toBeUndefined()
    expect(inspectTarget({ inspect: false }, 'fork()')).toBeUndefined()
    expect(inspectTarget({ inspect: true }, 'fork()')).toEqual({ host: '127.0.0.1', port: 0 })
    expect(inspectTarget({ inspect: 9230 }, 'fork()')).toEqual({ host: '127.0.0.1', port: 9230 })
    expect(inspectTarget({ inspect: { host: '0.0.0.0' } }, 'fork()')).toEqual({ host: '0.0.0.0', port: 0 })
  })

  it('names the function and the option in its TypeError', () => {
    expect(() => inspectTarget({ inspect: 70_000 }, 'spawnThread()')).toThrow(/^spawnThread\(\): the inspector's port must be an integer/)
    expect(() => inspectTarget({ inspect: true, onInspect: 'log' as never }, 'fork()')).toThrow(/onInspect/)
  })
})

describe('inspectArgv', () => {
  it('drops every inherited inspector flag and adds one for the target', () => {
    const inherited = ['--import', 'tsx', '--inspect', '--inspect-brk=9229', '--inspect-port=9230', '--inspect-wait', '--enable-source-maps']
    expect(inspectArgv(inherited, { host: '127.0.0.1', port: 0 })).toEqual(['--import', 'tsx', '--enable-source-maps', '--inspect=127.0.0.1:0'])
  })

  it('brackets an IPv6 host', () => {
    expect(inspectArgv([], { host: '::1', port: 9231 })).toEqual(['--inspect=[::1]:9231'])
  })
})
