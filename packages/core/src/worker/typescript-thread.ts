/**
 * The entry of a worker thread that runs a TypeScript module under tsx on a Node where tsx
 * does not register itself in threads (`typescript-runner.ts`): registers tsx through its
 * API, then imports the module, which calls `serve()` as in any thread.
 */
import { workerData } from 'node:worker_threads'
import { TSX_THREAD, type TsxThread } from './typescript-runner.js'

const { api, module } = (workerData as Record<string, TsxThread>)[TSX_THREAD] as TsxThread
const tsx = (await import(api)) as { register(): unknown }
tsx.register()
await import(module)
