// An esbuild plugin: where a dependency requires one of Node's built-in modules when it loads, but uses it only
// for a feature the node does not use, the bundle gives the dependency a stand-in that loads the module the first
// time anything of it is read.
//
// Fastify's server requires node:http2 and node:https for `http2: true` and `https` servers, which the node never
// asks for; prom-client requires https for its push gateway, which the node does not use. Loading them, with
// node:tls under https, cost about 25-35 ms of CPU at every start (docs/PERFORMANCE.md, "Join").
//
// The dependency's code is unchanged, and so is what it does: the stand-in is a proxy of the real module, and any
// property read, call, key listing or `in` loads the module and answers from it. Only the CLI's bundles carry
// this: importing gossipd as a library loads its dependencies as they are. test/cli/lazy-builtins.test.ts checks
// that each listed file still requires its modules, that the stand-in answers as the module does, and that a
// started node has not loaded them.

/** Per dependency file (from node_modules/): the built-in modules it requires that load on first use. */
export const LAZY_BUILTINS = {
  'fastify/lib/server.js': ['node:http2', 'node:https'],
  'prom-client/lib/pushgateway.js': ['https']
}

/** The stand-in for `specifier`, as CommonJS source. */
export function standIn (specifier) {
  return `'use strict'
let real
const load = () => (real ??= require(${JSON.stringify(specifier)}))
module.exports = new Proxy({}, {
  get: (_, key) => Reflect.get(load(), key),
  has: (_, key) => Reflect.has(load(), key),
  ownKeys: () => Reflect.ownKeys(load()),
  getOwnPropertyDescriptor: (_, key) => {
    const d = Reflect.getOwnPropertyDescriptor(load(), key)
    // a proxy may not report a property non-configurable that its target lacks
    return d == null ? d : { ...d, configurable: true }
  },
  set: (_, key, value) => Reflect.set(load(), key, value)
})
`
}

export function lazyBuiltins (table = LAZY_BUILTINS) {
  const specifiers = new Set(Object.values(table).flat())
  const filter = new RegExp(`^(${[...specifiers].map(s => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')).join('|')})$`)
  return {
    name: 'lazy-builtins',
    setup (b) {
      b.onResolve({ filter }, args => {
        const importer = args.importer.replaceAll('\\', '/')
        const file = Object.keys(table).find(f => importer.endsWith(`/node_modules/${f}`))
        if (file == null || !table[file].includes(args.path)) return undefined
        return { path: `${args.path}#${file}`, namespace: 'lazy-builtin', pluginData: { specifier: args.path } }
      })
      b.onLoad({ filter: /.*/, namespace: 'lazy-builtin' }, args => ({ contents: standIn(args.pluginData.specifier), loader: 'js' }))
    }
  }
}
