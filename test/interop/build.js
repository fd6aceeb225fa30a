/**
 * Builds the interop test peers (test/interop/go-peer, test/interop/rust-peer) from the Go module proxy and
 * crates.io at the versions pinned in go.sum and Cargo.lock, and reuses a build while its sources and lockfiles
 * are unchanged: each binary is stored under a hash of those files in a cache directory outside the repository
 * (GOSSIPD_INTEROP_CACHE, default ~/.cache/gossipd-interop), next to cargo's target directory, so CI on the same
 * machine rebuilds only what changed.
 *
 *   node test/interop/build.js          build both (or find them cached) and print the times
 */
import { spawn } from 'node:child_process'
import { createHash } from 'node:crypto'
import { access, copyFile, mkdir, readdir, readFile, rename } from 'node:fs/promises'
import { homedir } from 'node:os'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'

const here = dirname(fileURLToPath(import.meta.url))

export const CACHE_DIR = process.env.GOSSIPD_INTEROP_CACHE ?? join(homedir(), '.cache', 'gossipd-interop')

async function run (cmd, args, opts) {
  await new Promise((resolve, reject) => {
    const child = spawn('nice', ['-n', '10', cmd, ...args], { stdio: ['ignore', 'inherit', 'inherit'], ...opts })
    child.once('error', reject)
    child.once('exit', code => code === 0 ? resolve() : reject(new Error(`${cmd} ${args.join(' ')} exited with ${code}`)))
  })
}

async function files (dir, keep) {
  const out = []
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name)
    if (e.isDirectory()) { if (e.name !== 'target') out.push(...await files(p, keep)) } else if (keep(e.name)) out.push(p)
  }
  return out.sort()
}

/** A hash of every file the build reads, by path and content. */
async function sourceHash (dir, keep) {
  const h = createHash('sha256')
  for (const f of await files(dir, keep)) {
    h.update(relative(dir, f)).update('\0').update(await readFile(f)).update('\0')
  }
  return h.digest('hex').slice(0, 16)
}

async function exists (p) {
  return access(p).then(() => true, () => false)
}

/** Build one peer unless a binary of the same sources is cached; answers its path and how long it took. */
async function cached (name, dir, keep, build) {
  const hash = await sourceHash(dir, keep)
  const bin = join(CACHE_DIR, `${name}-${hash}`)
  const t0 = performance.now()
  if (await exists(bin)) return { bin, cached: true, ms: 0 }
  await mkdir(CACHE_DIR, { recursive: true })
  const tmp = `${bin}.tmp-${process.pid}`
  await build(tmp)
  await rename(tmp, bin)
  return { bin, cached: false, ms: Math.round(performance.now() - t0) }
}

export async function buildGoPeer () {
  const dir = join(here, 'go-peer')
  return cached('go-peer', dir, n => n.endsWith('.go') || n === 'go.mod' || n === 'go.sum', async out => {
    await run('go', ['build', '-mod=readonly', '-trimpath', '-o', out, '.'], {
      cwd: dir,
      env: { ...process.env, GOFLAGS: '-mod=readonly', CGO_ENABLED: '0' }
    })
  })
}

export async function buildRustPeer () {
  const dir = join(here, 'rust-peer')
  const target = join(CACHE_DIR, 'cargo-target')
  return cached('rust-peer', dir, n => n.endsWith('.rs') || n === 'Cargo.toml' || n === 'Cargo.lock', async out => {
    await run('cargo', ['build', '--release', '--locked'], { cwd: dir, env: { ...process.env, CARGO_TARGET_DIR: target } })
    await copyFile(join(target, 'release', 'gossipd-interop-rust-peer'), out)
  })
}

/** Both peers, built one after the other (each build uses every core). */
export async function buildPeers () {
  const go = await buildGoPeer()
  const rust = await buildRustPeer()
  return { go, rust }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const t0 = performance.now()
  const { go, rust } = await buildPeers()
  const s = ms => `${(ms / 1000).toFixed(1)} s`
  console.log(`go-peer   ${go.cached ? 'cached' : `built in ${s(go.ms)}`}: ${go.bin}`)
  console.log(`rust-peer ${rust.cached ? 'cached' : `built in ${s(rust.ms)}`}: ${rust.bin}`)
  console.log(`total ${s(performance.now() - t0)}`)
}
