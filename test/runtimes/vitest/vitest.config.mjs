// vitest for the runtime suite's `testing-vitest` check: only the files beside this one.
import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'

export default defineConfig({ test: { root: fileURLToPath(new URL('.', import.meta.url)), include: ['*.runtime-test.mjs'], testTimeout: 30_000 } })
