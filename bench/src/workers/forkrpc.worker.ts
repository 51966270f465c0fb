import { serve } from '@forkrpc/core'
import { echoContract, untilDeadline } from '../echo.contract.js'

serve(echoContract, {
  echo: (input) => input,
  park: (deadline) => untilDeadline(deadline),
})
