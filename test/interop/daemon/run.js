/**
 * `npm run test:interop:daemon`: runs @libp2p/interop's daemon suite against gossipd (the js daemon, from dist/)
 * and go-libp2p-daemon's p2pd (the go daemon).
 *
 * On a fresh machine it installs, then reuses:
 * - this folder's npm packages (the suite, mocha, chai; pinned in package-lock.json) into ./node_modules;
 * - p2pd, built with `go install tool` from ./p2pd (go.mod and go.sum pin it and all its dependencies), into
 *   $GOSSIPD_INTEROP_CACHE (default ~/.cache/gossipd-interop)/p2pd-<version>/. P2PD_BIN names a prebuilt one.
 *
 * Extra arguments go to mocha, e.g. `npm run test:interop:daemon -- --grep dht`. Results: the spec reporter's
 * output, test-results/interop-daemon.json (counts and each test's outcome) and test-results/interop-daemon/ (each
 * daemon's output).
 */
import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { homedir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const here = fileURLToPath(new URL('.', import.meta.url))
const root = join(here, '..', '..', '..')

function run (command, args, options) {
  const started = Date.now()
  const result = spawnSync(command, args, { stdio: 'inherit', ...options })
  if (result.error != null) throw result.error
  if (result.status !== 0) {
    process.stderr.write(`${command} ${args.join(' ')} failed (${result.status ?? result.signal})\n`)
    process.exit(result.status ?? 1)
  }
  return (Date.now() - started) / 1000
}

/** The suite's npm packages, installed again only when the lock file changed since the last install. */
function ensurePackages () {
  const lock = readFileSync(join(here, 'package-lock.json'), 'utf8')
  const stamp = join(here, 'node_modules', '.installed-lock')
  if (existsSync(stamp) && readFileSync(stamp, 'utf8') === lock) return
  const npm = join(root, 'node_modules', '.bin', 'npm')
  const seconds = run(existsSync(npm) ? npm : 'npm', ['ci', '--no-audit', '--no-fund'], { cwd: here })
  writeFileSync(stamp, lock)
  process.stdout.write(`interop suite packages installed in ${seconds.toFixed(1)} s\n`)
}

/** The pinned p2pd version, read from p2pd/go.mod so the cache path follows the pin. */
function p2pdVersion () {
  const mod = readFileSync(join(here, 'p2pd', 'go.mod'), 'utf8')
  const m = /github\.com\/libp2p\/go-libp2p-daemon (v\S+)/.exec(mod)
  if (m == null) throw new Error('p2pd/go.mod does not require github.com/libp2p/go-libp2p-daemon')
  return m[1]
}

function ensureP2pd () {
  if (process.env.P2PD_BIN != null) return process.env.P2PD_BIN
  const cache = process.env.GOSSIPD_INTEROP_CACHE ?? join(homedir(), '.cache', 'gossipd-interop')
  const bin = join(cache, `p2pd-${p2pdVersion()}`)
  const p2pd = join(bin, 'p2pd')
  if (existsSync(p2pd)) return p2pd
  // `go install <pkg>@<version>` would do, but it looks the module's deprecation up in the proxy's version list,
  // which not every proxy serves; building the tool from a pinned module needs only the pinned versions
  const seconds = run('go', ['install', 'tool'], { cwd: join(here, 'p2pd'), env: { ...process.env, GOBIN: bin, GOFLAGS: '-mod=readonly' } })
  process.stdout.write(`p2pd built in ${seconds.toFixed(1)} s\n`)
  return p2pd
}

if (!existsSync(join(root, 'dist', 'src', 'cli', 'index.js'))) {
  process.stderr.write('dist/ is missing: run `npm run build` first\n')
  process.exit(1)
}
ensurePackages()
const p2pd = ensureP2pd()
// each daemon's output, numbered in spawn order; a previous run's would mix in
rmSync(join(root, 'test-results', 'interop-daemon'), { recursive: true, force: true })
const mocha = join(here, 'node_modules', 'mocha', 'bin', 'mocha.js')
run(process.execPath, [mocha, ...process.argv.slice(2)], { cwd: here, env: { ...process.env, P2PD_BIN: p2pd } })
