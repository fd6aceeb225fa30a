/**
 * Gets a Docker engine, a compose command and the `node:24-bookworm-slim` base image ready, on a laptop with
 * Docker as on a bare Debian machine with no engine and no image registry:
 *
 * - a running engine is used as it is; otherwise, as root on Linux, Debian's `docker.io` and `docker-compose`
 *   are installed and `dockerd` is started (and left running: it belongs to the machine, not to one run);
 * - the base image is used if present or pullable; otherwise a stand-in of the same name is built from
 *   `debootstrap --variant=minbase bookworm`, this Node 24 binary, npm and the host's CA bundle, and kept for
 *   later runs.
 */
import { execFile, execFileSync, spawn } from 'node:child_process'
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import process from 'node:process'
import { fileURLToPath } from 'node:url'
import { setTimeout as sleep } from 'node:timers/promises'
import { promisify } from 'node:util'
import { log } from './log.js'

const run = promisify(execFile)

export const BASE_IMAGE = 'node:24-bookworm-slim'
const STAND_IN_LABEL = 'org.gossipd.stand-in'
const DEBIAN_MIRROR = 'http://deb.debian.org/debian'

/** Run a command, return its trimmed stdout, throw with its stderr on failure. */
export async function sh (cmd, args, options = {}) {
  try {
    const { stdout } = await run(cmd, args, { maxBuffer: 64 * 1024 * 1024, ...options })
    return stdout.trim()
  } catch (err) {
    const detail = (err.stderr ?? '').toString().trim().split('\n').slice(-15).join('\n')
    throw new Error(`${cmd} ${args.join(' ')} failed (exit ${err.code}): ${detail || err.message}`, { cause: err })
  }
}

/** Run a command with its output going to our stdout/stderr (long steps the user should see progress of). */
export function shLoud (cmd, args, options = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'inherit', 'inherit'], ...options })
    child.on('error', reject)
    child.on('exit', (code, signal) => {
      if (code === 0) resolve()
      else reject(new Error(`${cmd} ${args.slice(0, 4).join(' ')} ... failed (exit ${code ?? signal})`))
    })
  })
}

const has = (cmd) => {
  try {
    execFileSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
}

async function engineUp () {
  try {
    await sh('docker', ['info', '--format', '{{.ServerVersion}}'], { timeout: 20_000 })
    return true
  } catch {
    return false
  }
}

const isRoot = () => process.getuid?.() === 0

async function aptInstall (packages) {
  log(`installing ${packages.join(', ')} from Debian's packages`)
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }
  await shLoud('apt-get', ['update', '-qq'], { env })
  await shLoud('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...packages], { env })
}

/** Make sure `docker` talks to a running engine; answers what was done. */
export async function ensureEngine () {
  if (has('docker') && await engineUp()) {
    return 'running engine used'
  }
  if (process.platform !== 'linux' || !isRoot()) {
    throw new Error('no running Docker engine, and installing one needs root on Linux: start Docker and re-run')
  }
  const missing = []
  if (!has('dockerd')) missing.push('docker.io')
  if (!has('docker-compose')) missing.push('docker-compose')
  if (missing.length > 0) {
    await aptInstall(missing)
  }
  const logFile = join(tmpdir(), 'compose-dockerd.log')
  log(`starting dockerd (log: ${logFile})`)
  const child = spawn('dockerd', ['--storage-driver=overlay2', '--iptables=false'], {
    detached: true,
    stdio: ['ignore', openSync(logFile, 'a'), openSync(logFile, 'a')]
  })
  child.unref()
  for (let i = 0; i < 60; i++) {
    if (await engineUp()) {
      return `dockerd started (pid ${child.pid}), left running for later runs`
    }
    if (child.exitCode != null) break
    await sleep(1000)
  }
  throw new Error(`dockerd did not come up; see ${logFile}`)
}

/** Neighbour-table thresholds for a swarm of `nodes` containers on one host (see `ensureNeighbourTable`). */
export function neighbourThresholds (nodes) {
  const entries = (nodes + 1) * (nodes + 1)
  const gc3 = Math.max(1024, 4 * entries)
  return { gc_thresh1: Math.max(128, entries), gc_thresh2: Math.max(512, 2 * entries), gc_thresh3: gc3 }
}

/**
 * Every container of a compose network keeps an ARP entry for each peer it talks to, and the kernel counts the
 * entries of all network namespaces against one limit (`net.ipv4.neigh.default.gc_thresh3`, 1024 by default).
 * A 40-node swarm needs about 40 x 40: past the limit the kernel logs "neighbor table overflow" and drops new
 * neighbours, so some nodes never reach each other and the host cannot reach some APIs. Raise the limits as root
 * on Linux; elsewhere say what to set.
 */
export async function ensureNeighbourTable (nodes) {
  if (process.platform !== 'linux') return 'not Linux: nothing to check'
  const want = neighbourThresholds(nodes)
  const path = key => `/proc/sys/net/ipv4/neigh/default/${key}`
  const current = Object.fromEntries(Object.keys(want).map(k => [k, Number(readFileSync(path(k), 'utf8'))]))
  const low = Object.keys(want).filter(k => current[k] < want[k])
  if (low.length === 0) return `gc_thresh3 ${current.gc_thresh3} >= ${want.gc_thresh3} needed for ${nodes} nodes`
  if (!isRoot()) {
    throw new Error(`net.ipv4.neigh.default.gc_thresh3 is ${current.gc_thresh3}, ${nodes} nodes need ${want.gc_thresh3}: run \`sysctl -w ${low.map(k => `net.ipv4.neigh.default.${k}=${want[k]}`).join(' ')}\` as root`)
  }
  for (const k of low) writeFileSync(path(k), String(want[k]))
  return `raised ${low.map(k => `${k} ${current[k]} -> ${want[k]}`).join(', ')} (the kernel's ARP table, shared by all containers)`
}

/** `docker compose` (v2 plugin) if present, else Debian's `docker-compose` 1.29. */
export async function composeCommand () {
  try {
    await sh('docker', ['compose', 'version'], { timeout: 20_000 })
    return ['docker', 'compose']
  } catch {
    if (has('docker-compose')) return ['docker-compose']
    if (isRoot() && process.platform === 'linux') {
      await aptInstall(['docker-compose'])
      return ['docker-compose']
    }
    throw new Error('neither `docker compose` nor `docker-compose` is installed')
  }
}

async function imageExists (ref) {
  try {
    return await sh('docker', ['image', 'inspect', '--format', `{{index .Config.Labels "${STAND_IN_LABEL}"}}`, ref])
  } catch {
    return null
  }
}

/** The real Node 24 binary that runs this script (or the project's npm `node` package). */
function node24Binary () {
  if (/^v24\./.test(process.version)) return realpathSync(process.execPath)
  const local = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'node_modules', 'node', 'bin', 'node')
  if (existsSync(local)) return realpathSync(local)
  throw new Error('no Node 24 binary found: run `npm install` first (the npm `node` package provides one)')
}

/**
 * The host's npm package directory, copied into the stand-in (the `node` package ships no npm). Found through
 * the `npm` on PATH rather than `npm root -g`, whose answer follows whichever Node happens to run it.
 */
async function npmDir () {
  const bin = await sh('sh', ['-c', 'command -v npm'])
  const dir = dirname(dirname(realpathSync(bin)))
  if (!existsSync(join(dir, 'bin', 'npm-cli.js'))) throw new Error(`npm's package not found from ${bin}`)
  return dir
}

function hostCaBundle () {
  for (const f of [process.env.NODE_EXTRA_CA_CERTS, process.env.SSL_CERT_FILE, '/etc/ssl/certs/ca-certificates.crt']) {
    if (f != null && f !== '' && existsSync(f)) return f
  }
  throw new Error('no CA bundle found on the host (NODE_EXTRA_CA_CERTS, SSL_CERT_FILE or /etc/ssl/certs/ca-certificates.crt)')
}

async function buildStandIn () {
  if (process.platform !== 'linux' || !isRoot()) {
    throw new Error(`${BASE_IMAGE} cannot be pulled, and building a stand-in needs root on Linux`)
  }
  if (!has('debootstrap')) {
    await aptInstall(['debootstrap'])
  }
  const work = mkdtempSync(join(tmpdir(), 'compose-rootfs-'))
  const root = join(work, 'rootfs')
  try {
    log(`building a stand-in ${BASE_IMAGE}: debootstrap --variant=minbase bookworm (about a minute)`)
    await sh('debootstrap', ['--variant=minbase', 'bookworm', root, DEBIAN_MIRROR], { timeout: 15 * 60_000 })
    rmSync(join(root, 'var/cache/apt/archives'), { recursive: true, force: true })
    mkdirSync(join(root, 'var/cache/apt/archives/partial'), { recursive: true })
    rmSync(join(root, 'var/lib/apt/lists'), { recursive: true, force: true })
    mkdirSync(join(root, 'var/lib/apt/lists/partial'), { recursive: true })

    copyFileSync(node24Binary(), join(root, 'usr/local/bin/node'))
    cpSync(await npmDir(), join(root, 'usr/local/lib/node_modules/npm'), { recursive: true, dereference: true })
    symlinkSync('../lib/node_modules/npm/bin/npm-cli.js', join(root, 'usr/local/bin/npm'))
    symlinkSync('../lib/node_modules/npm/bin/npx-cli.js', join(root, 'usr/local/bin/npx'))
    mkdirSync(join(root, 'etc/ssl/certs'), { recursive: true })
    copyFileSync(hostCaBundle(), join(root, 'etc/ssl/certs/ca-certificates.crt'))

    const changes = [
      'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
      'ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt',
      `LABEL ${STAND_IN_LABEL}=true`,
      'CMD ["node"]'
    ].flatMap(c => ['--change', c])
    await sh('sh', ['-c', `tar -C "${root}" -c . | docker import ${changes.map(c => `'${c}'`).join(' ')} - ${BASE_IMAGE}`])
    const version = await sh('docker', ['run', '--rm', BASE_IMAGE, 'sh', '-c', 'node --version && npm --version'])
    return `stand-in built (node ${version.split('\n').join(', npm ')})`
  } finally {
    rmSync(work, { recursive: true, force: true })
  }
}

/** Make sure the base image exists locally; answers where it came from. */
export async function ensureBaseImage () {
  const label = await imageExists(BASE_IMAGE)
  if (label != null) {
    return label === 'true' ? 'local stand-in reused' : 'local image used'
  }
  try {
    await sh('docker', ['pull', BASE_IMAGE], { timeout: 120_000 })
    return 'pulled'
  } catch (err) {
    log(`cannot pull ${BASE_IMAGE}: ${err.message.split('\n')[0]}`)
  }
  return buildStandIn()
}
