// The worker that runs third-party plugins: each is a module in plugins/ whose default export
// takes the input. It is started with only the permissions the host gives it; whatever a
// plugin tries beyond them fails in here and reaches the host as PermissionDeniedError.
import { serve } from '@forkrpc/core'
import { host } from './host.contract.mjs'

const plugins = new URL('./plugins/', import.meta.url)

serve(host, {
  async run({ plugin, input }) {
    if (!/^[a-z-]+$/.test(plugin)) throw new TypeError(`no plugin named ${JSON.stringify(plugin)}`)
    const { default: transform } = await import(new URL(`${plugin}.mjs`, plugins).href)
    return transform(input)
  },
})
