#!/usr/bin/env node
import { enableCompileCache } from 'node:module'

// a swarm starts dozens of these processes at once: caching compiled code on disk roughly halves start-up CPU
enableCompileCache?.()

const { main } = await import('../dist/src/cli/index.js')
main(process.argv).catch((err) => {
  console.error(err)
  process.exit(1)
})
