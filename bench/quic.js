/**
 * QUIC against TCP + Noise + Yamux (issue 22, the transport lever): swarms of bare js-libp2p processes
 * (bench/lib/bare-gossip-peer.js: identify, ping and gossipsub at gossipd's settings, the project's libp2p
 * versions), one swarm per transport and round, rounds interleaved (TCP, QUIC, TCP, QUIC). gossipd's own layers
 * would be the same on both transports, so they are left out. Per swarm:
 *
 * - idle: CPU per node per second of the joined, quiet swarm, after a settle period;
 * - per message: (swarm CPU while publishing 1 KiB messages at `--rate` from random nodes - idle CPU) per node
 *   per message;
 * - join: CPU seconds a new process has used, from its spawn, when it holds `--join-connections` connections,
 *   dialing that many swarm members (the part up to listening shown apart: it holds the loading of the transport);
 * - RSS per process p50, after publishing.
 *
 * Nodes find each other as a joining node would: each dials a few random earlier nodes that are under gossipd's
 * connection budget (14), then the least connected dial more, until each holds about `--connections`.
 * Results go to bench/results/quic.json, or quic-gossipd-patches.json with `--gossipd-patches`.
 *
 *   flock /tmp/gossipd-bench.lock node bench/quic.js [--nodes=30] [--rounds=2] [--rate=3] [--seconds=30] [--gossipd-patches]
 *   node bench/quic.js --nodes=4 --rounds=1 --seconds=3 --settle-seconds=3 --idle-seconds=3 --joins=1 --join-connections=3
 */
import { spawn } from 'node:child_process'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { isMain, parseArgs } from './lib/args.js'
import { load, table, row, writeResult } from './lib/report.js'
import { median, ratio, summarize } from './lib/stats.js'
import { NODE_FLAGS, cpuSeconds, processMemory, sleep, waitFor } from './lib/swarm.js'
import * as C from '../dist/src/node/constants.js'

export const DEFAULTS = {
  nodes: 30,
  rounds: 2,
  transports: ['tcp', 'quic'],
  connections: 13,
  /** gossipd's connection budget: a node already holding this many is not picked to be dialed. */
  budget: 14,
  rate: 3,
  seconds: 30,
  messageBytes: 1024,
  settleSeconds: 20,
  idleSeconds: 20,
  joins: 3,
  joinConnections: 8,
  /** Run every peer on gossipd's patches of its wire stack (bench/lib/bare-gossip-peer.js): gossipd's TCP, not stock TCP. */
  gossipdPatches: false,
  topic: 'transport-bench'
}

const PEER_SCRIPT = fileURLToPath(new URL('./lib/bare-gossip-peer.js', import.meta.url))
const REQUEST_TIMEOUT_MS = 60_000

// the peers must not outlive this process, whatever ends it (bench/lib/swarm.js turns signals into an exit);
// a peer also exits when its stdin closes, which covers a SIGKILL of this process
const running = new Set()
process.once('exit', () => { for (const c of running) c.kill('SIGKILL') })

/** One bare-gossip-peer process, driven by JSON lines over its stdin and stdout. */
class Peer {
  constructor (child, hello) {
    this.child = child
    this.pid = child.pid
    this.addr = hello.addr
    this.pending = new Map()
    this.nextId = 1
  }

  static async start (transport, o) {
    const child = spawn(process.execPath, [...NODE_FLAGS, PEER_SCRIPT, transport, o.topic, o.gossipdPatches ? 'patched' : 'stock'], { stdio: ['pipe', 'pipe', 'pipe'] })
    running.add(child)
    child.once('exit', () => running.delete(child))
    let stderr = ''
    child.stderr.on('data', d => { stderr = (stderr + d).slice(-2000) })
    const lines = createInterface({ input: child.stdout })
    const hello = await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`a ${transport} peer did not start in ${REQUEST_TIMEOUT_MS} ms: ${stderr}`)), REQUEST_TIMEOUT_MS)
      lines.once('line', line => { clearTimeout(timer); resolve(JSON.parse(line)) })
      child.once('exit', code => { clearTimeout(timer); reject(new Error(`a ${transport} peer exited ${code}: ${stderr}`)) })
    })
    const peer = new Peer(child, hello)
    lines.on('line', line => peer.answer(JSON.parse(line)))
    child.once('exit', code => {
      for (const { reject } of peer.pending.values()) reject(new Error(`peer ${peer.pid} exited ${code}: ${stderr}`))
      peer.pending.clear()
    })
    return peer
  }

  answer (msg) {
    const p = this.pending.get(msg.id)
    if (p == null) return
    this.pending.delete(msg.id)
    if (msg.error != null) p.reject(new Error(msg.error))
    else p.resolve(msg)
  }

  async request (op, args = {}) {
    const id = this.nextId++
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => { this.pending.delete(id); reject(new Error(`peer ${this.pid}: no answer to ${op}`)) }, REQUEST_TIMEOUT_MS)
      const done = f => x => { clearTimeout(timer); f(x) }
      this.pending.set(id, { resolve: done(resolve), reject: done(reject) })
      this.child.stdin.write(JSON.stringify({ id, op, ...args }) + '\n')
    })
  }

  async cpu () {
    return cpuSeconds(this.pid)
  }

  async stop () {
    if (this.child.exitCode != null || this.child.signalCode != null) return
    const exited = new Promise(resolve => this.child.once('exit', resolve))
    this.child.stdin.end()
    const t = setTimeout(() => this.child.kill('SIGKILL'), 5_000)
    await exited
    clearTimeout(t)
  }
}

function shuffle (xs) {
  const a = [...xs]
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [a[i], a[j]] = [a[j], a[i]]
  }
  return a
}

/**
 * Connect the swarm: node i dials up to half of `connections` random earlier nodes below the budget, then every
 * node short of `connections - 1` dials random non-neighbours below the budget. Returns the dials that failed.
 */
async function connect (peers, o) {
  const links = peers.map(() => new Set())
  const failed = []
  const dial = async (i, targets) => {
    for (const j of targets) { links[i].add(j); links[j].add(i) }
    const res = await peers[i].request('dial', { addrs: targets.map(j => peers[j].addr) })
    failed.push(...res.failed)
  }
  for (let i = 1; i < peers.length; i++) {
    const earlier = shuffle([...Array(i).keys()])
    const open = earlier.filter(j => links[j].size < o.budget)
    const picks = [...open, ...earlier.filter(j => !open.includes(j))].slice(0, Math.ceil(o.connections / 2))
    await dial(i, picks)
  }
  const order = [...peers.keys()].sort((a, b) => links[a].size - links[b].size)
  for (const i of order) {
    const want = o.connections - 1 - links[i].size
    if (want <= 0) continue
    const picks = shuffle([...peers.keys()]).filter(j => j !== i && !links[i].has(j) && links[j].size < o.budget).slice(0, want)
    if (picks.length > 0) await dial(i, picks)
  }
  return failed
}

async function swarmCpu (peers) {
  const each = await Promise.all(peers.map(async p => p.cpu().catch(() => 0)))
  return each.reduce((a, b) => a + b, 0)
}

/** Cores the peers used while `work` ran. */
async function coresOver (peers, work) {
  const c0 = await swarmCpu(peers)
  const t0 = performance.now()
  await work()
  return (await swarmCpu(peers) - c0) / ((performance.now() - t0) / 1000)
}

async function publishFor (peers, o) {
  let accepted = 0
  let i = 0
  let publishingS = 0
  const cores = await coresOver(peers, async () => {
    const started = performance.now()
    const inFlight = []
    while (performance.now() - started < o.seconds * 1000) {
      const p = peers[Math.floor(Math.random() * peers.length)]
      i++
      inFlight.push(p.request('publish', { bytes: o.messageBytes }).then(() => { accepted++ }, () => {}))
      await sleep(Math.max(0, started + i * 1000 / o.rate - performance.now()))
    }
    await Promise.all(inFlight)
    publishingS = (performance.now() - started) / 1000
  })
  return { cores, accepted, published: i, publishingS }
}

/** A new process dialing `joinConnections` random swarm members: CPU seconds from spawn to listening and to joined. */
async function joinOnce (peers, transport, o) {
  const t0 = performance.now()
  const joiner = await Peer.start(transport, o)
  try {
    const listeningMs = performance.now() - t0
    const listeningCpuS = await joiner.cpu()
    const targets = shuffle(peers).slice(0, o.joinConnections)
    const res = await joiner.request('dial', { addrs: targets.map(p => p.addr) })
    const joined = res.connections >= o.joinConnections || await waitFor(async () => (await joiner.request('stats')).connections >= o.joinConnections, { timeoutMs: 20_000, intervalMs: 50 })
    const joinCpuS = await joiner.cpu()
    return { joined: Boolean(joined), listeningMs, joinMs: performance.now() - t0, listeningCpuS, joinCpuS, failed: res.failed }
  } finally {
    await joiner.stop()
  }
}

/** One swarm on one transport: build, settle, idle, publish, join, stop. */
async function measureSwarm (transport, o) {
  const loadBefore = load()
  const nodeStartMs = await nodeStart()
  const t0 = performance.now()
  const peers = await Promise.all(Array.from({ length: o.nodes }, async () => Peer.start(transport, o)))
  try {
    const startedMs = performance.now() - t0
    const failedDials = await connect(peers, o)
    const connectedMs = performance.now() - t0
    await sleep(o.settleSeconds * 1000)
    const before = await Promise.all(peers.map(async p => p.request('stats')))
    const idleCores = await coresOver(peers, async () => sleep(o.idleSeconds * 1000))
    const pub = await publishFor(peers, o)
    await sleep(2_000)
    const after = await Promise.all(peers.map(async p => p.request('stats')))
    const rss = await Promise.all(peers.map(async p => (await processMemory(p.pid)).rss))
    const joins = []
    for (let j = 0; j < o.joins; j++) {
      joins.push(await joinOnce(peers, transport, o))
      await sleep(2_000)
    }
    const received = after.reduce((a, s) => a + s.received, 0) - before.reduce((a, s) => a + s.received, 0)
    return {
      transport,
      load: { before: loadBefore, after: load() },
      nodeStartMs,
      startedMs: Math.round(startedMs),
      connectedMs: Math.round(connectedMs),
      failedDials: failedDials.slice(0, 5),
      failedDialCount: failedDials.length,
      connections: summarize(before.map(s => s.connections)),
      meshPeers: summarize(before.map(s => s.meshPeers)),
      idleCores,
      idleMsPerNodeS: idleCores * 1000 / o.nodes,
      ...pub,
      busyCores: pub.cores,
      perMessageMs: pub.accepted === 0 ? NaN : (pub.cores - idleCores) * pub.publishingS * 1000 / (pub.accepted * o.nodes),
      delivery: pub.accepted === 0 ? NaN : received / (pub.accepted * (o.nodes - 1)),
      rssMib: summarize(rss),
      joins
    }
  } finally {
    await Promise.all(peers.map(async p => p.stop()))
  }
}

/** Spawn to exit of a bare `node -e 0`: how fast the machine is right now. */
async function nodeStart () {
  const t0 = performance.now()
  const child = spawn(process.execPath, [...NODE_FLAGS, '-e', '0'], { stdio: 'ignore' })
  await new Promise(resolve => child.once('exit', resolve))
  return Math.round(performance.now() - t0)
}

/** The figures compared, each the median over a transport's rounds (joins: over all of its joins). */
const FIGURES = [
  ['idle CPU per node per second (ms)', runs => median(runs.map(r => r.idleMsPerNodeS)), 2],
  ['CPU per node per message (ms)', runs => median(runs.map(r => r.perMessageMs)), 3],
  ['join CPU, spawn to joined p50 (ms)', runs => median(runs.flatMap(r => r.joins.filter(j => j.joined).map(j => j.joinCpuS * 1000))), 0],
  ['  of it spawn to listening (ms)', runs => median(runs.flatMap(r => r.joins.map(j => j.listeningCpuS * 1000))), 0],
  ['  of it dialing (ms)', runs => median(runs.flatMap(r => r.joins.filter(j => j.joined).map(j => (j.joinCpuS - j.listeningCpuS) * 1000))), 0],
  ['join wall time, spawn to joined p50 (ms)', runs => median(runs.flatMap(r => r.joins.filter(j => j.joined).map(j => j.joinMs))), 0],
  ['RSS per process p50 (MiB)', runs => median(runs.map(r => r.rssMib.p50)), 1],
  ['connections per node p50', runs => median(runs.map(r => r.connections.p50)), 0],
  ['mesh peers per node p50', runs => median(runs.map(r => r.meshPeers.p50)), 0],
  ['delivered / (accepted x (nodes - 1))', runs => median(runs.map(r => r.delivery)), 3]
]

export async function run (opts = {}) {
  const o = { ...DEFAULTS, ...opts }
  const loadBefore = load()
  const runs = Object.fromEntries(o.transports.map(t => [t, []]))
  for (let r = 0; r < o.rounds; r++) {
    for (const t of o.transports) {
      const m = await measureSwarm(t, o)
      runs[t].push(m)
      process.stderr.write(`round ${r + 1} ${t}: idle ${m.idleMsPerNodeS.toFixed(2)} ms/node/s, ${m.perMessageMs.toFixed(3)} ms/node/msg, ` +
        `join ${median(m.joins.map(j => j.joinCpuS * 1000)).toFixed(0)} ms CPU, connections p50 ${m.connections.p50}, ` +
        `delivery ${m.delivery.toFixed(3)}, node -e 0 ${m.nodeStartMs} ms, load ${m.load.before.join(' ')}\n`)
    }
  }
  const [base, other] = o.transports
  const comparison = FIGURES.map(([metric, of, digits]) => {
    const a = of(runs[base])
    const b = other == null ? NaN : of(runs[other])
    return { metric, [base]: a, [other]: b, ratio: ratio(b, a), digits }
  })
  const fmt = (x, d) => Number.isFinite(x) ? x.toFixed(d) : '-'
  const rows = comparison.map(c => row(c.metric, `${fmt(c[base], c.digits)} / ${fmt(c[other], c.digits)}`, null, null))
  rows.unshift(row(`nodes, rounds; ${base} / ${other}`, `${o.nodes}, ${o.rounds}`))
  const printable = table(['metric', base, other ?? '-', `${other}/${base}`], comparison.map(c => [c.metric, fmt(c[base], c.digits), fmt(c[other], c.digits), c.ratio ?? '-']))
  const gossipsub = { D: C.GOSSIPSUB_D, Dlo: C.GOSSIPSUB_DLO, Dhi: C.GOSSIPSUB_DHI, heartbeatMs: C.GOSSIPSUB_HEARTBEAT_MS, floodPublish: C.GOSSIPSUB_FLOOD_PUBLISH }
  return { params: { ...o, nodeFlags: NODE_FLAGS, gossipsub }, load: { before: loadBefore, after: load() }, comparison, runs, rows, printable }
}

if (isMain(import.meta.url)) {
  const opts = parseArgs(process.argv.slice(2), DEFAULTS)
  const result = await run(opts)
  process.stdout.write(`\nQUIC against TCP + Noise + Yamux (${opts.nodes} nodes, ${opts.rounds} rounds interleaved, ${opts.gossipdPatches ? "gossipd's patches" : 'stock libraries'})\n${result.printable}\n`)
  process.stdout.write(`node -e 0: ${Object.values(result.runs).flat().map(r => r.nodeStartMs).join(', ')} ms; load before ${result.load.before.join(' ')}, after ${result.load.after.join(' ')}\n`)
  delete result.printable
  process.stdout.write(`written ${await writeResult(opts.gossipdPatches ? 'quic-gossipd-patches' : 'quic', result)}\n`)
}
