import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['test/resilience/**', 'test/compose/**', 'test/interop/**', 'test/network/**', 'node_modules/**'],
    testTimeout: 30_000,
    hookTimeout: 120_000,
    // swarm tests start dozens of processes: one file at a time, so they do not fight over the 2 cores
    fileParallelism: false,
    // A failed test runs once more before it counts as failed. The swarm tests here run 30 processes on a 2-core
    // machine, where a neighbour's burst can push one sample past a deadline; a defect fails both runs. Every
    // test that needed the second run is named at the end and in test-results/retried.json.
    retry: 1,
    reporters: ['default', ['json', { outputFile: 'test-results/vitest.json' }], './test/reporters/retries.ts']
  }
})
