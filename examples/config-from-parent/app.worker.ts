import { serve } from '@forkrpc/core'
import { app, UnknownSettingError } from './app.contract.js'

serve(app, {
  async report({ region }, ctx) {
    // The worker holds no secrets: it asks the parent, when it needs them.
    const dsn = await ctx.host.getConfig(`dsn.${region}`, { signal: ctx.signal })
    await ctx.host.log(`worker ${process.pid}: building the report for ${region}`)
    let currency = 'EUR'
    try {
      currency = await ctx.host.getConfig(`currency.${region}`)
    } catch (error) {
      if (!(error instanceof UnknownSettingError)) throw error
      await ctx.host.log(`no currency for ${region}, using ${currency}`)
    }
    return `report for ${region} from ${dsn.replace(/:[^:@/]+@/, ':***@')} in ${currency}`
  },
})
