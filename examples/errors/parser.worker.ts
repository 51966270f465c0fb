import { serve } from '@forkrpc/core'
import { ParseError, parser } from './parser.contract.js'

function toNumber(text: string): number {
  const value = Number(text)
  if (text.trim() === '' || Number.isNaN(value)) throw new TypeError(`${JSON.stringify(text)} is not a number`)
  return value
}

serve(parser, {
  parseNumbers(text) {
    return text.split('\n').map((line, index) => {
      try {
        return toNumber(line)
      } catch (cause) {
        throw new ParseError(`cannot parse line ${index + 1}`, index + 1, { cause })
      }
    })
  },
})
