import { defineConfig } from 'vitest/config'

/**
 * `npm run test:network`: NAT traversal on an internet in a box (test/network/): 2 public nodes and 4 sites of 4
 * nodes behind NAT routers, in network namespaces, and a site whose router maps ports (`--upnp`, miniupnpd). Needs
 * root and iptables (and miniupnpd for the UPnP drill); skipped, saying why, without them.
 */
export default defineConfig({
  test: {
    include: ['test/network/**/*.test.ts'],
    testTimeout: 300_000,
    hookTimeout: 300_000,
    fileParallelism: false,
    reporters: ['default', ['json', { outputFile: 'test-results/network.json' }]]
  }
})
