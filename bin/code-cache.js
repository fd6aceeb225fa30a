// Runs a CommonJS bundle (dist/bundle/node.cjs) with a V8 code cache made after a node has run a while.
//
// Node's compile cache (module.enableCompileCache, which bin/gossipd.js turns on) keeps what V8 compiled while it
// loaded a module: its top-level code. Every other function is compiled the first time it runs, in every process:
// a node joining a swarm compiled about 4,000 functions that way, about a tenth of its CPU to its first peers
// (docs/PERFORMANCE.md, "Join"). A script's code cache can be taken later, once those functions have run; so the
// first process of a build that finds no cache takes one CODE_CACHE_AFTER_MS after its start and writes it, and
// every later start compiles the bundle from it. A build's first start, with no cache, compiles the script whole,
// about as long as the ES modules take without Node's compile cache.
//
// The cache lives in NODE_COMPILE_CACHE/gossipd when that is set, else in a folder of the user's own in the system's
// temporary folder, used only while no one else can write it; it is turned off with Node's own switch,
// NODE_DISABLE_COMPILE_CACHE=1. It is one file per build, Node version and V8 flags: a file that does not match is
// left to V8, which rejects it, and rewritten. Writing it is claimed with an exclusive create, so in a swarm started
// at once one process writes it, and earlier builds' files are removed.
// Nothing here can stop a node: a cache that cannot be read or written is only a slower start.
import { closeSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { Script, constants as vmConstants } from 'node:vm'
import * as zlib from 'node:zlib'

/**
 * How long after its start a process that found no cache takes one: past a join and its first lookups, and before
 * V8 drops the bytecode of functions that have not run for a while (the start-up's among them). A cache taken at
 * 120 s in a publishing swarm held half as much (2.6 against 5.0 MB) and started a node no faster than the ES modules.
 */
export const CODE_CACHE_AFTER_MS = 30_000
/** A claim older than this was left by a process that died while writing: it is taken over. */
export const CODE_CACHE_CLAIM_STALE_MS = 10 * 60_000
const SUFFIX = '.v8cache'
const WRAPPER_HEAD = '(function (exports, require, module, __filename, __dirname) {'

/** The part of a cache file's name after the build's checksum and length: the Node version and the flags. */
function runtimeSuffix (flags) {
  return `-${process.version}-${zlib.crc32(flags).toString(16)}${SUFFIX}`
}

/**
 * Where the cache is kept, or undefined when Node's compile cache is turned off: in NODE_COMPILE_CACHE when it is
 * set, else a folder of this user's own in the system's temporary folder.
 */
export function codeCacheDir (env = process.env) {
  if (env.NODE_DISABLE_COMPILE_CACHE != null && env.NODE_DISABLE_COMPILE_CACHE !== '') return undefined
  // zlib's crc32 came in Node 22.2: without it, no cache
  if (typeof zlib.crc32 !== 'function') return undefined
  if (env.NODE_COMPILE_CACHE != null && env.NODE_COMPILE_CACHE !== '') return join(env.NODE_COMPILE_CACHE, 'gossipd')
  return join(tmpdir(), `gossipd-code-cache-${process.getuid?.() ?? 'user'}`)
}

/**
 * Whether `dir` is a folder only this user can write. V8 runs what a code cache holds: a cache someone else could
 * replace would run their code in the node, so a folder of another owner, or one others may write, is not used.
 */
export function privateFolder (dir) {
  if (typeof process.getuid !== 'function') return true
  try {
    const stat = statSync(dir)
    return stat.isDirectory() && stat.uid === process.getuid() && (stat.mode & 0o022) === 0
  } catch {
    return false
  }
}

/**
 * Run `file`, a CommonJS script, and return its exports. `dir`: where its cache is kept (undefined for none);
 * `afterMs`: when a process that found no usable cache writes one. Returns the exports and what became of the cache.
 */
export function loadWithCodeCache (file, { dir = codeCacheDir(), afterMs = CODE_CACHE_AFTER_MS } = {}) {
  // read as bytes, checksummed as bytes and then decoded: a third of the time of reading it as text and
  // checksumming the text, which zlib encodes back to UTF-8 first (11 against 4 ms for the 4.2 MB bundle)
  const bytes = readFileSync(file)
  const source = bytes.toString('utf8')
  // V8 checks its own version and flags, and the source only by its length: the name carries the content's checksum,
  // and processes given other flags keep a file of their own rather than rewriting each other's
  const flags = `${process.execArgv.join(' ')} ${process.env.NODE_OPTIONS ?? ''}`
  const runtime = dir == null ? '' : runtimeSuffix(flags)
  const name = dir == null ? '' : `${zlib.crc32(bytes).toString(16)}-${source.length.toString(16)}${runtime}`
  let cachedData
  if (dir != null && privateFolder(dir)) {
    try {
      cachedData = readFileSync(join(dir, name))
    } catch {
      // none yet, or unreadable: compiled without, and written later
    }
  }
  const script = new Script(`${WRAPPER_HEAD}${source}\n})`, {
    filename: file,
    cachedData,
    // the bundle's import() of a module it does not carry goes to Node's loader, as in any CommonJS module
    importModuleDynamically: vmConstants.USE_MAIN_CONTEXT_DEFAULT_LOADER
  })
  const module = { exports: {} }
  script.runInThisContext().call(module.exports, module.exports, createRequire(file), module, file, dirname(file))
  const used = cachedData != null && script.cachedDataRejected !== true
  let written
  if (dir != null && !used) {
    written = new Promise(resolve => {
      setTimeout(() => { resolve(writeCodeCache(script, dir, name, runtime)) }, afterMs).unref()
    })
  }
  return { exports: module.exports, cache: used ? 'used' : cachedData != null ? 'rejected' : 'none', written }
}

/**
 * Write the script's code cache as `dir/name`, unless another process holds the claim, and remove earlier builds'
 * files: those whose names end in the same `runtime` (Node version and flags). Returns the path, or undefined.
 */
function writeCodeCache (script, dir, name, runtime) {
  const path = join(dir, name)
  const claim = `${path}.tmp`
  let fd
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 })
    if (!privateFolder(dir)) return undefined
    fd = claimFile(claim)
    if (fd == null) return undefined
    const data = script.createCachedData()
    writeSync(fd, data)
    closeSync(fd)
    fd = undefined
    renameSync(claim, path)
    for (const other of readdirSync(dir)) {
      if (other.endsWith(runtime) && other !== name) rmSync(join(dir, other), { force: true })
    }
    return path
  } catch {
    if (fd != null) {
      try {
        closeSync(fd)
        rmSync(claim, { force: true })
      } catch {
        // a claim left behind is taken over once stale
      }
    }
    return undefined
  }
}

function claimFile (claim) {
  try {
    return openSync(claim, 'wx')
  } catch (err) {
    if (err?.code !== 'EEXIST') throw err
  }
  if (Date.now() - statSync(claim).mtimeMs < CODE_CACHE_CLAIM_STALE_MS) return undefined
  rmSync(claim, { force: true })
  try {
    return openSync(claim, 'wx')
  } catch {
    return undefined
  }
}
