// Only needed to run a .ts worker in a thread under tsx on Node 20: tsx does not register
// its loader in worker threads there. This entry registers it and imports the module given
// as the thread's first argument. Compiled .js workers (and Node 22+) need none of this.
import { register } from 'tsx/esm/api'
import { pathToFileURL } from 'node:url'

register()
await import(pathToFileURL(process.argv[2]).href)
