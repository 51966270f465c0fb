import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'examples/**/*.test.ts'],
    // nats-server for the NATS tests: found, or installed (Debian's package) when missing.
    globalSetup: ['test/nats-setup.ts'],
    // Integration tests fork real processes; two test files at a time suit a 2-core machine.
    maxWorkers: 2,
    testTimeout: 20_000,
    hookTimeout: 20_000,
  },
})
