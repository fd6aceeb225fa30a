import { resolve } from 'node:path'
import { pathToFileURL } from 'node:url'

/**
 * `--key=value` and `--key value` arguments over a benchmark's defaults; numbers stay numbers, comma lists of
 * numbers become arrays.
 */
export function parseArgs (argv, defaults) {
  const out = { ...defaults }
  for (let i = 0; i < argv.length; i++) {
    const m = /^--([\w-]+)(?:=(.*))?$/.exec(argv[i])
    if (m == null) continue
    const key = m[1].replace(/-([a-z])/g, (_, c) => c.toUpperCase())
    let value = m[2]
    if (value === undefined) value = (argv[i + 1] != null && !argv[i + 1].startsWith('--')) ? argv[++i] : 'true'
    out[key] = coerce(value, defaults[key])
  }
  return out
}

/**
 * A benchmark that compares `gossipd start` settings: its own options before `--`, the node arguments after it
 * (`node bench/idle.js --nodes=20 -- --ping-interval 60000`).
 */
export function parseArgsAndNodeArgs (argv, defaults) {
  const cut = argv.indexOf('--')
  return { opts: parseArgs(cut < 0 ? argv : argv.slice(0, cut), defaults), extraArgs: cut < 0 ? [] : argv.slice(cut + 1) }
}

function coerce (value, like) {
  if (Array.isArray(like)) return value.split(',').map(v => coerce(v, like[0]))
  if (typeof like === 'number') return Number(value)
  if (typeof like === 'boolean') return value !== 'false'
  return value
}

/** Whether this module is the program node was started with. */
export function isMain (importMetaUrl) {
  return process.argv[1] != null && importMetaUrl === pathToFileURL(resolve(process.argv[1])).href
}
