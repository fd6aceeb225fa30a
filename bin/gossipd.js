#!/usr/bin/env -S node --max-semi-space-size=2 --battery-saver-mode
// The shebang caps V8's young generation at 2 MiB semi-spaces (on a large machine it grows to ~64 MiB): about
// 25 MiB less memory per node at no measured cost; and puts V8 in battery-saver mode, which spends fewer CPU
// cycles in all: about a tenth less CPU per topic message in a swarm of 40 on 2 cores (docs/PERFORMANCE.md). The
// project's own process launchers and the Docker image pass the same flags.
import { existsSync } from 'node:fs'
import * as nodeModule from 'node:module'
import { isatty } from 'node:tty'
import { fileURLToPath } from 'node:url'

const [major] = process.versions.node.split('.').map(Number)
if (major < 22) {
  console.error(`gossipd needs Node.js 22 or newer (this is ${process.version}); run it through npm scripts or npx, which use the Node 24 the project installs`)
  process.exit(1)
}

// A swarm starts dozens of these processes at once: cached compiled code and a bundle of a few modules instead
// of a thousand cut start-up CPU from about 0.55 s to 0.2 s a process. The node's code is a module of the bundle
// of its own, loaded only by the commands that run a node, so a client command (`gossipd id`) does not pay for it.
nodeModule.enableCompileCache?.()
// libp2p makes debug loggers for every connection and stream, and each asks the kernel whether stderr is a
// terminal, to choose colours (2.5 % of a joining node's CPU profile): answered once here, the same answer
if (process.env.DEBUG_COLORS === undefined) process.env.DEBUG_COLORS = String(isatty(2))
const bundle = new URL('../dist/bundle/cli.mjs', import.meta.url)
// `gossipd start` runs the same CLI as one CommonJS script, compiled with a V8 code cache taken after a node has
// run a while, which holds the functions a node runs and not only what its modules run as they load: about 50 ms
// less CPU to start and to join (bin/code-cache.js)
const nodeBundle = new URL('../dist/bundle/node.cjs', import.meta.url)
const command = process.argv.slice(2).find(arg => !arg.startsWith('-'))
const { main } = command === 'start' && existsSync(nodeBundle)
  ? (await import('./code-cache.js')).loadWithCodeCache(fileURLToPath(nodeBundle)).exports
  : await import(existsSync(bundle) ? bundle.href : '../dist/src/cli/index.js')

main(process.argv).catch((err) => {
  console.error(err)
  process.exit(1)
})
