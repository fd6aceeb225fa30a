/**
 * `npm run test:compose`: the swarm as a user runs it. Gets a Docker engine and the base image (installing or
 * building them where there are none), builds the project image, starts the repository's docker-compose.yml
 * with 40 nodes and checks it with curl only: readiness, peer and DHT tables, topic delivery from 5 publishers
 * to all, direct messages, a shared file fetched by 5 nodes, 10 nodes leaving gracefully and the rest still
 * delivering; then `down -v`. Prints a summary with the numbers, writes test-results/compose.json, exits 1 if
 * any check failed. Cleans up on failure and on SIGINT/SIGTERM too.
 *
 *   node test/compose/run.js [--nodes 40] [--context <dir>] [--port-base 28080]
 */
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { cpus, loadavg, tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import process from 'node:process'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { checkApiGuard, checkGracefulStop, checkReady, checkSurvivors, checkTables } from './checks-core.js'
import { checkFileSharing } from './checks-files.js'
import { checkDelivery, checkDirect, checkSubscribe } from './checks-messaging.js'
import { percentile } from './curl.js'
import { composeCommand, ensureBaseImage, ensureEngine, ensureNeighbourTable, sh } from './engine.js'
import { log } from './log.js'
import { Report, SkipError } from './report.js'
import { ComposeSwarm } from './swarm.js'

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..')
const RESULTS = join(REPO, 'test-results', 'compose.json')
/** Full logs of the nodes involved in a failed check. */
const LOGS = join(REPO, 'test-results', 'compose-logs')
const PROJECT = 'gossipd-compose-test'
const IMAGE = 'gossipd:compose-test'
/** The deadline for the whole test. */
const DEADLINE_S = 600

const { values: opts } = parseArgs({
  options: {
    nodes: { type: 'string', default: '40' },
    context: { type: 'string', default: REPO },
    'port-base': { type: 'string', default: '28080' }
  }
})
const TOTAL = Number(opts.nodes)
const STOPPED = Math.floor(TOTAL / 4)
const PUBLISHERS = Math.min(5, TOTAL - 1)
const FETCHERS = Math.min(5, TOTAL - 1)
const DIRECT_PAIRS = 10
const portBase = Number(opts['port-base'])

const report = new Report()
const workDir = mkdtempSync(join(tmpdir(), 'compose-test-'))
const runTag = randomBytes(4).toString('hex')
/** @type {ComposeSwarm | undefined} */
let swarm

/** Pick `n` distinct random elements. */
function pick (items, n) {
  const pool = [...items]
  for (let i = pool.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [pool[i], pool[j]] = [pool[j], pool[i]]
  }
  return pool.slice(0, n)
}

function cleanup () {
  if (swarm != null) {
    log(`compose down -v (project ${PROJECT})`)
    swarm.downSync()
  }
  rmSync(workDir, { recursive: true, force: true })
}

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    log(`${signal}: cleaning up`)
    report.notRun('interrupted', signal)
    cleanup()
    report.write(RESULTS, { interrupted: signal })
    process.exit(130)
  })
}

async function setUp () {
  let compose
  const ok = await report.check('docker engine', async () => {
    const engine = await ensureEngine()
    compose = await composeCommand()
    const version = await sh('docker', ['version', '--format', '{{.Server.Version}}'])
    return `${engine}; server ${version}; compose command \`${compose.join(' ')}\``
  }) && await report.check('host neighbour table', async () => ensureNeighbourTable(TOTAL))
    && await report.check('base image node:24-bookworm-slim', ensureBaseImage)
  if (!ok) return false
  swarm = new ComposeSwarm({
    compose,
    repo: REPO,
    project: PROJECT,
    image: IMAGE,
    token: randomBytes(24).toString('hex'),
    bootstrapPort: portBase,
    nodePorts: [portBase + 1, portBase + TOTAL + 9]
  })
  // a run killed hard (SIGKILL) leaves its project up: clear it first
  swarm.downSync()
  return await report.check('image build (multi-stage, npm ci over --network host)', async () => {
    const t0 = Date.now()
    await swarm.build(opts.context)
    const size = await sh('docker', ['image', 'inspect', '--format', '{{.Size}}', IMAGE])
    const user = await sh('docker', ['image', 'inspect', '--format', '{{.Config.User}}', IMAGE])
    return `${IMAGE} built in ${((Date.now() - t0) / 1000).toFixed(0)} s, ${(Number(size) / 1048576).toFixed(0)} MiB, runs as user ${user}`
  }) && await report.check(`compose up (bootstrap + ${TOTAL - 1} nodes)`, async () => {
    const t0 = Date.now()
    await swarm.up(TOTAL)
    if (swarm.nodes.length !== TOTAL) throw new Error(`${swarm.nodes.length} containers running, wanted ${TOTAL}`)
    const ports = swarm.nodes.map(n => n.port)
    if (ports.some(p => !(p >= portBase && p <= portBase + TOTAL + 9))) throw new Error(`API ports outside the range: ${ports.join(',')}`)
    return `${TOTAL} containers up in ${((Date.now() - t0) / 1000).toFixed(0)} s, APIs on 127.0.0.1:${Math.min(...ports)}-${Math.max(...ports)}`
  })
}

async function exercise () {
  const upAt = Date.now()
  if (!await report.check('every node ready', () => checkReady(swarm, upAt, LOGS))) return
  await report.check('APIs on 127.0.0.1 only, behind the token', () => checkApiGuard(swarm))
  await report.check('peer tables non-empty, DHT tables >= 10', () => checkTables(swarm))
  const mem = await swarm.memory().catch(() => [])
  if (mem.length > 0) report.notes.push(`memory per container: median ${percentile(mem, 50).toFixed(0)} MiB, max ${Math.max(...mem).toFixed(0)} MiB`)

  const topic = `compose-${runTag}`
  await report.check('topic subscription and mesh on every node', () => checkSubscribe(swarm, topic))
  const topicsMissing = report.checks.at(-1).status === 'skipped'
  const gated = (fn) => async () => {
    if (topicsMissing) throw new SkipError('endpoint missing (topics)')
    return fn()
  }
  const publishers = pick(swarm.nodes, PUBLISHERS)
  await report.check(`publish from ${PUBLISHERS} nodes, all ${TOTAL} receive everything`, gated(() =>
    checkDelivery(swarm, { topic, publishers, receivers: swarm.nodes, perPublisher: 4, tag: `${runTag}-a` })))
  await report.check(`${DIRECT_PAIRS} direct messages between random pairs acked`, () => checkDirect(swarm, {
    pairs: Array.from({ length: DIRECT_PAIRS }, () => pick(swarm.nodes, 2)),
    tag: `${runTag}-dm`
  }))
  const [seeder, ...fetchers] = pick(swarm.nodes, FETCHERS + 1)
  await report.check(`file shared on one node, fetched by ${FETCHERS} others`, () => checkFileSharing(swarm, { seeder, fetchers, dir: workDir }))

  const victims = pick(swarm.nodes.filter(n => n.service === 'node'), STOPPED)
  const survivors = swarm.nodes.filter(n => !victims.includes(n))
  if (!await report.check(`stop ${STOPPED} nodes (SIGTERM, graceful exit)`, () => checkGracefulStop(swarm, victims))) return
  await report.check(`the other ${survivors.length} stay ready and drop the stopped peers`, () => checkSurvivors(swarm, survivors, victims))
  await report.check(`after the stop, all ${survivors.length} still receive everything`, gated(() =>
    checkDelivery(swarm, { topic, publishers: pick(survivors, 3), receivers: survivors, perPublisher: 3, tag: `${runTag}-b` })))
}

async function main () {
  log(`compose swarm test: ${TOTAL} nodes, project ${PROJECT}, build context ${opts.context}`)
  rmSync(LOGS, { recursive: true, force: true })
  report.notes.push(`machine: ${cpus().length} cores, load average ${loadavg().map(l => l.toFixed(1)).join(' ')} at the start`)
  try {
    if (await setUp()) {
      await exercise()
    }
  } catch (err) {
    report.notRun('unexpected error', err.stack ?? err.message)
  } finally {
    if (swarm != null) {
      await report.check('compose down -v leaves nothing behind', async () => {
        const t0 = Date.now()
        swarm.downSync()
        let left = await swarm.leftovers()
        if (left.containers + left.volumes + left.networks > 0) {
          // a starved engine can time out part of a `down`; a second one finishes it
          swarm.downSync()
          left = await swarm.leftovers()
        }
        const detail = `down in ${((Date.now() - t0) / 1000).toFixed(0)} s; left: ${left.containers} containers, ${left.volumes} volumes (of ${swarm.volumes.size}), ${left.networks} networks`
        if (left.containers + left.volumes + left.networks > 0) throw new Error(detail)
        return detail
      })
    }
    cleanup()
  }
  const seconds = (Date.now() - report.started) / 1000
  await report.check(`whole test under ${DEADLINE_S / 60} minutes`, async () => {
    if (seconds > DEADLINE_S) throw new Error(`took ${seconds.toFixed(0)} s`)
    return `${seconds.toFixed(0)} s`
  })
  report.print()
  report.write(RESULTS, { nodes: TOTAL })
  process.exitCode = report.counts().failed > 0 ? 1 : 0
}

await main()
