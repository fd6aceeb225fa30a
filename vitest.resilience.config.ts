import { defineConfig } from 'vitest/config'

/**
 * `npm run test:resilience`: tests that need root, network namespaces or minutes (churn, partitions, restarts).
 * Kept out of `npm test`; `.ci/run` runs both and sums their reports.
 */
export default defineConfig({
  test: {
    include: ['test/resilience/**/*.test.ts'],
    testTimeout: 300_000,
    hookTimeout: 300_000,
    // each file starts dozens of processes: one at a time on a 2-core machine
    fileParallelism: false,
    reporters: ['default', ['json', { outputFile: 'test-results/resilience.json' }]]
  }
})
