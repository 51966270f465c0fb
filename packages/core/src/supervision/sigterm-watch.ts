/**
 * Notices a SIGTERM that the app handles itself (a listener of its own, say a server that
 * drains for seconds before it closes its pools), without changing what SIGTERM does:
 * forkrpc listens only while the app has a listener of its own, so a process without one
 * still dies of the signal at once. Watching starts with the first worker or pool.
 */
import { appShutdown } from './app-shutdown.js'

const observe = (): void => appShutdown.signalled('SIGTERM')
let watching = false

/** Starts watching (once): from now on, a SIGTERM the app handles marks it as shutting down. */
export function watchSigterm(): void {
  if (watching) return
  watching = true
  // 'newListener' comes before the listener is added, 'removeListener' after it is gone.
  process.on('newListener', (event: string | symbol, listener: unknown) => {
    if (event === 'SIGTERM' && listener !== observe && !process.listeners('SIGTERM').includes(observe)) process.prependListener('SIGTERM', observe)
  })
  process.on('removeListener', (event: string | symbol, listener: unknown) => {
    if (event === 'SIGTERM' && listener !== observe && appListenerCount('SIGTERM') === 0) process.off('SIGTERM', observe)
  })
  if (appListenerCount('SIGTERM') > 0) process.prependListener('SIGTERM', observe)
}

/** How many listeners of `signal` the app has, forkrpc's watch left out. */
export function appListenerCount(signal: NodeJS.Signals): number {
  return process.listeners(signal).filter((listener) => listener !== observe).length
}
