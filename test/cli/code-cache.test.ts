/**
 * bin/code-cache.js: `gossipd start` runs the CLI's CommonJS bundle with a V8 code cache taken after a node has run
 * a while. The cache is written once, used by later loads, rejected and rewritten when it does not match, claimed by
 * one writer, kept only where no one else can write it, and never stops the script from running.
 */
import { execFileSync } from 'node:child_process'
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
// @ts-expect-error the launcher is plain JavaScript
import { CODE_CACHE_CLAIM_STALE_MS, codeCacheDir, loadWithCodeCache } from '../../bin/code-cache.js'

const SCRIPT = `
const { basename } = require('node:path')
function square (x) { return x * x }
module.exports = { sum: (n) => { let s = 0; for (let i = 1; i <= n; i++) s += square(i); return s }, file: basename(__filename), self: this === module.exports }
`

interface Loaded { exports: { sum: (n: number) => number, file: string, self: boolean }, written?: Promise<string | undefined> }

/** What a load in a process of its own gave: V8 keeps compiled scripts in memory, so a second load in one process tells nothing. */
interface ChildLoad { cache: 'used' | 'rejected' | 'none', sum: number | string, written: string | null }

function loadInChild (file: string, dir: string): ChildLoad {
  const code = `const { loadWithCodeCache } = await import(${JSON.stringify(join(process.cwd(), 'bin', 'code-cache.js'))})
const r = loadWithCodeCache(${JSON.stringify(file)}, { dir: ${JSON.stringify(dir)}, afterMs: 0 })
// the write's timer does not hold a process open (a node does)
const alive = setInterval(() => {}, 1_000)
const written = (await r.written) ?? null
clearInterval(alive)
console.log(JSON.stringify({ cache: r.cache, sum: typeof r.exports.sum === 'function' ? r.exports.sum(3) : typeof r.exports.main, written }))`
  return JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', code], { encoding: 'utf8', timeout: 60_000 }))
}

describe('code cache', () => {
  let dir: string
  let cacheDir: string
  let file: string
  const load = (): Loaded => loadWithCodeCache(file, { dir: cacheDir, afterMs: 0 })
  const cacheFiles = (): string[] => readdirSync(cacheDir).filter(f => f.endsWith('.v8cache'))

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'code-cache-'))
    cacheDir = join(dir, 'cache')
    file = join(dir, 'script.cjs')
    writeFileSync(file, SCRIPT)
  })
  afterEach(() => { rmSync(dir, { recursive: true, force: true }) })

  it('runs the script as a CommonJS module, writes its cache once, and the next process uses it', () => {
    const first = loadInChild(file, cacheDir)
    expect(first).toMatchObject({ cache: 'none', sum: 14 })
    expect(first.written).not.toBeNull()
    expect(statSync(first.written!).size).toBeGreaterThan(0)
    expect(cacheFiles()).toHaveLength(1)
    expect(loadInChild(file, cacheDir)).toEqual({ cache: 'used', sum: 14, written: null })
  })

  it('exports what the script exports, with its __filename and `this`', () => {
    const loaded = load()
    expect(loaded.exports.sum(4)).toBe(30)
    expect(loaded.exports.file).toBe('script.cjs')
    expect(loaded.exports.self).toBe(true)
  })

  it('rejects a cache that does not match, still runs the script, and writes a good one', () => {
    const { written } = loadInChild(file, cacheDir)
    writeFileSync(written!, Buffer.alloc(4096, 7))
    expect(loadInChild(file, cacheDir)).toEqual({ cache: 'rejected', sum: 14, written })
    expect(loadInChild(file, cacheDir).cache).toBe('used')
  })

  it('names the cache by the script: a changed script of the same length does not use the old one', () => {
    const { written: old } = loadInChild(file, cacheDir)
    // a file of other V8 flags or another Node: another kind of process's, kept
    const otherRuntime = join(cacheDir, '1234abcd-10-v22.2.0-5678.v8cache')
    writeFileSync(otherRuntime, 'x')
    writeFileSync(file, SCRIPT.replace('x * x', 'x + x'))
    expect(loadInChild(file, cacheDir)).toMatchObject({ cache: 'none', sum: 12 })
    // the earlier build's file is removed when this one's is written
    expect(existsSync(old!)).toBe(false)
    expect(existsSync(otherRuntime)).toBe(true)
    expect(cacheFiles()).toHaveLength(2)
    expect(loadInChild(file, cacheDir).cache).toBe('used')
  })

  it('leaves the writing to the process holding the claim, and takes over a stale claim', async () => {
    const path = (await load().written)!
    rmSync(path)
    const claim = `${path}.tmp`
    writeFileSync(claim, '')
    expect(await load().written).toBeUndefined()
    expect(cacheFiles()).toEqual([])

    const old = (Date.now() - CODE_CACHE_CLAIM_STALE_MS - 1_000) / 1000
    utimesSync(claim, old, old)
    expect(await load().written).toBe(path)
    expect(existsSync(claim)).toBe(false)
  })

  it('runs the script with no cache at all when the folder cannot be written', async () => {
    writeFileSync(cacheDir, 'a file, not a folder')
    const loaded = load()
    expect(loaded.exports.sum(1)).toBe(1)
    expect(await loaded.written).toBeUndefined()
  })

  it('keeps the cache in Node\'s compile cache folder or a folder of the user\'s own, and turns it off with Node\'s switch', () => {
    expect(codeCacheDir({ NODE_COMPILE_CACHE: '/var/cache/node' })).toBe(join('/var/cache/node', 'gossipd'))
    expect(codeCacheDir({})).toBe(join(tmpdir(), `gossipd-code-cache-${process.getuid!()}`))
    expect(codeCacheDir({ NODE_DISABLE_COMPILE_CACHE: '1' })).toBeUndefined()
  })

  it('neither reads nor writes a cache in a folder others can write', () => {
    loadInChild(file, cacheDir)
    chmodSync(cacheDir, 0o777)
    expect(loadInChild(file, cacheDir)).toEqual({ cache: 'none', sum: 14, written: null })
    chmodSync(cacheDir, 0o700)
    expect(loadInChild(file, cacheDir).cache).toBe('used')
  })

  it('caches the CLI bundle `gossipd start` runs: a later process compiles it from the cache', () => {
    const bundle = join(process.cwd(), 'dist', 'bundle', 'node.cjs')
    expect(loadInChild(bundle, cacheDir)).toMatchObject({ cache: 'none', sum: 'function' })
    expect(loadInChild(bundle, cacheDir)).toEqual({ cache: 'used', sum: 'function', written: null })
  })
})
