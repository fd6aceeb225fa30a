// The CLI's bundles (package.json, build:bundle), from tsc's output in dist/src:
// - dist/bundle/cli.mjs and its chunks, ES modules: every command. The node's code is a chunk of its own, loaded
//   only by the commands that run a node, so a client command (`gossipd id`) does not pay for it.
// - dist/bundle/node.cjs, one CommonJS script of the whole CLI: what `gossipd start` runs. bin/code-cache.js
//   compiles it with a V8 code cache taken after a node has run a while, so a start skips compiling the functions
//   a node runs, not only the ones a module runs when it loads (docs/PERFORMANCE.md, "Join"). A script can be
//   cached after it has run; an ES module, through Node's compile cache, only as it was compiled.
import { rmSync } from 'node:fs'
import { build } from 'esbuild'
import { lazyBuiltins } from './lazy-builtins.mjs'

const common = {
  entryPoints: ['dist/src/cli/index.js'],
  bundle: true,
  platform: 'node',
  target: 'node22',
  // pino loads its transports by file name, in worker threads
  external: ['pino', 'pino-pretty', 'thread-stream'],
  // UPnP's SSDP client imports node:http as an ES module: Node then builds a facade of it by reading every export,
  // and one is a lazy getter that loads undici (build/node-http.cjs)
  alias: { http: './build/node-http.cjs' },
  // Node's HTTP/2 and HTTPS modules load on first use, not at every start (build/lazy-builtins.mjs)
  plugins: [lazyBuiltins()],
  minifyWhitespace: true,
  logLevel: 'warning'
}

rmSync('dist/bundle', { recursive: true, force: true })
await build({
  ...common,
  format: 'esm',
  splitting: true,
  outdir: 'dist/bundle',
  entryNames: 'cli',
  chunkNames: '[name]-[hash]',
  outExtension: { '.js': '.mjs' },
  banner: { js: "import { createRequire as __gossipdRequire } from 'node:module'; const require = __gossipdRequire(import.meta.url);" },
  legalComments: 'external'
})
await build({
  ...common,
  format: 'cjs',
  outfile: 'dist/bundle/node.cjs',
  // ES modules run in strict mode, and so did every module of the ES bundle: the same here
  banner: { js: "'use strict'; var __gossipdModuleUrl = require('node:url').pathToFileURL(__filename).href;" },
  define: { 'import.meta.url': '__gossipdModuleUrl' },
  legalComments: 'none'
})
