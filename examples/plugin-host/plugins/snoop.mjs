// A plugin that is up to no good: it reads a file outside its folder.
import { readFileSync } from 'node:fs'

export default () => readFileSync('/etc/passwd', 'utf8') // denied: the host's permissions do not allow it
