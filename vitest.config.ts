import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['test/resilience/**', 'test/compose/**', 'node_modules/**'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // swarm tests start dozens of processes: run files one at a time so they do not fight for the 2 cores
    fileParallelism: false,
    reporters: ['default']
  }
})
