/**
 * Vitest global set-up: makes sure nats-server is there before any test runs (installing
 * Debian's package when it is missing and this is root with apt-get), so that a fresh
 * machine runs the NATS tests with the README's one test command. Each NATS test file starts
 * its own server on a free loopback port (test/nats-server.ts) and stops it afterwards.
 */
import { ensureNatsServer } from './nats-server.js'

export default function setup(): void {
  process.env.NATS_SERVER_BIN = ensureNatsServer()
}
