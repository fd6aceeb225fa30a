import { defineConfig } from 'vitest/config'

/**
 * `npm run test:interop`: gossipd beside go-libp2p and rust-libp2p peers (test/interop/). Builds the peers from
 * the Go module proxy and crates.io on first use (minutes; cached in ~/.cache/gossipd-interop), then starts 30
 * processes: one file at a time, nothing else beside it.
 */
export default defineConfig({
  test: {
    include: ['test/interop/**/*.test.ts'],
    testTimeout: 300_000,
    // the first run builds both peers: go about 1.5 min, rust about 5 min on 2 cores
    hookTimeout: 1_200_000,
    fileParallelism: false,
    retry: 0,
    reporters: ['default', ['json', { outputFile: 'test-results/interop.json' }]]
  }
})
