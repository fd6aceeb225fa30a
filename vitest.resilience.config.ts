import { defineConfig } from 'vitest/config'

// long-running checks kept out of `npm test`: large transfers, process kills, resource ceilings
export default defineConfig({
  test: {
    include: ['test/resilience/**/*.test.ts'],
    testTimeout: 300_000,
    hookTimeout: 120_000,
    fileParallelism: false
  }
})
