import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['test/resilience/**', 'test/compose/**', 'node_modules/**'],
    testTimeout: 30_000,
    hookTimeout: 120_000,
    // swarm tests start dozens of processes: one file at a time, so they do not fight over the 2 cores
    fileParallelism: false,
    reporters: ['default', ['json', { outputFile: 'test-results/vitest.json' }]]
  }
})
