/**
 * gossipd beside go-libp2p and rust-libp2p (issue 19), the performance anchors:
 * - CPU per node per message in a mixed swarm (gossipd processes, go and rust peers from test/interop/, all
 *   subscribed to one topic), for each implementation: every process's CPU over a publishing window, less what
 *   it used over an idle window of the same length, divided by the messages published; and the idle window
 *   itself, as CPU per node per second of each implementation (the swarm joined and quiet first);
 * - file transfer throughput gossipd -> gossipd against go -> go (the go peer's /gossipd/files/1.0.0 client,
 *   4 streams like gossipd's), and go fetching from gossipd, on the same machine, rounds interleaved.
 *
 *   npm run build && node bench/interop.js [--gossipd=20] [--go=5] [--rust=5] [--messages=300] [--rate=20]
 *                                          [--size-mib=64] [--rounds=3]
 */
import { createHash, randomBytes } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { buildPeers } from '../test/interop/build.js'
import { startGoPeer, startRustPeer } from '../test/interop/peers.js'
import { isMain, parseArgs } from './lib/args.js'
import { load, printRows, row, writeResult } from './lib/report.js'
import { median, ratio } from './lib/stats.js'
import { api, budgetCeiling, cpuSeconds, sleep, startSwarm } from './lib/swarm.js'

export const DEFAULTS = { gossipd: 20, go: 5, rust: 5, messages: 300, rate: 20, sizeMib: 64, rounds: 3, settleTimeoutMs: 180_000, afterSettleMs: 35_000 }

const TOPIC = 'bench-interop'

async function cpuOf (ctx, foreign) {
  const g = await Promise.all(ctx.nodes.map(async n => cpuSeconds(n.pid)))
  const f = await Promise.all(foreign.map(async p => p.cpuSeconds()))
  return { gossipd: g, foreign: f }
}

/** CPU seconds each implementation's processes used between two readings, summed per implementation. */
function used (a, b, foreign) {
  const sum = { gossipd: 0, go: 0, rust: 0 }
  a.gossipd.forEach((v, i) => { sum.gossipd += b.gossipd[i] - v })
  a.foreign.forEach((v, i) => { sum[foreign[i].kind] += b.foreign[i] - v })
  return sum
}

async function publishWindow (ctx, foreign, o, ms) {
  const every = 1000 / o.rate
  const t0 = performance.now()
  for (let i = 0; i < o.messages; i++) {
    const at = t0 + i * every
    if (performance.now() < at) await sleep(at - performance.now())
    const data = `bench-${i}-${randomBytes(8).toString('hex')}`
    const k = i % 3
    if (k === 0) await api(ctx.nodes[i % ctx.nodes.length], `/topics/${TOPIC}/messages`, { method: 'POST', body: { data } })
    else {
      const peers = foreign.filter(p => p.kind === (k === 1 ? 'go' : 'rust'))
      await peers[i % peers.length].call('publish', { topic: TOPIC, data }).catch(() => {})
    }
  }
  await sleep(Math.max(0, ms - (performance.now() - t0)))
}

async function mixedSwarmCpu (ctx, foreign, o) {
  for (const n of ctx.nodes) await api(n, `/topics/${TOPIC}`, { method: 'PUT' })
  for (const p of foreign) await p.call('subscribe', { topic: TOPIC })
  // joined, quiet and within the connection budget, as bench/idle.js measures it: the idle window is a figure of its
  // own, and one read while the budget still trims the join's connections is raised by that work
  await ctx.swarm.settle({ timeoutMs: o.settleTimeoutMs, maxPeers: budgetCeiling() })
  await sleep(o.afterSettleMs)
  // the window: publishing takes messages / rate seconds, and a few more for the last to go round
  const ms = Math.round(o.messages / o.rate * 1000) + 3000
  const i0 = await cpuOf(ctx, foreign)
  await sleep(ms)
  const i1 = await cpuOf(ctx, foreign)
  await publishWindow(ctx, foreign, o, ms)
  const p1 = await cpuOf(ctx, foreign)
  const idle = used(i0, i1, foreign)
  const busy = used(i1, p1, foreign)
  const counts = { gossipd: ctx.nodes.length, go: o.go, rust: o.rust }
  const perMessage = {}
  const idlePerSecond = {}
  for (const k of ['gossipd', 'go', 'rust']) {
    perMessage[k] = counts[k] === 0 ? null : Math.round((busy[k] - idle[k]) / counts[k] / o.messages * 1e6) / 1000
    idlePerSecond[k] = counts[k] === 0 ? null : Math.round(idle[k] / counts[k] / (ms / 1000) * 1e5) / 100
  }
  return { windowMs: ms, idleCpuSeconds: idle, busyCpuSeconds: busy, cpuMsPerNodePerMessage: perMessage, idleCpuMsPerNodePerSecond: idlePerSecond }
}

async function gossipdToGossipd (ctx, bytes) {
  const [a, b] = ctx.nodes
  const file = await api(a, `/files?name=bench-${Date.now()}.bin`, { method: 'POST', body: randomBytes(bytes), headers: { 'content-type': 'application/octet-stream' } })
  const job = await api(b, `/files/${file.id}/download`, { method: 'POST', body: { from: [a.peerId] } })
  let status = job
  const deadline = Date.now() + 600_000
  while (status.state !== 'completed') {
    if (status.state === 'failed' || status.state === 'cancelled' || Date.now() > deadline) throw new Error(`download ${status.state}`)
    await sleep(25)
    status = await api(b, `/downloads/${job.id}`)
  }
  const ms = Date.parse(status.finishedAt) - Date.parse(status.createdAt)
  await api(b, `/files/${file.id}`, { method: 'DELETE' })
  await api(a, `/files/${file.id}`, { method: 'DELETE' })
  return bytes / 1e6 / (ms / 1000)
}

async function goToGo (a, b, bytes) {
  const { fileId } = await a.call('shareRandom', { name: `bench-${Date.now()}.bin`, size: bytes })
  await b.call('connect', { addr: a.multiaddr })
  const r = await b.call('fetch', { peer: a.peerId, fileId, timeoutMs: 600_000 })
  await a.call('unshare', { fileId })
  await rm(r.path, { force: true })
  return bytes / 1e6 / (r.ms / 1000)
}

async function gossipdToGo (node, goPeer, bytes) {
  const data = randomBytes(bytes)
  const file = await api(node, `/files?name=bench-${Date.now()}.bin`, { method: 'POST', body: data, headers: { 'content-type': 'application/octet-stream' } })
  await goPeer.call('connect', { addr: `/ip4/127.0.0.1/tcp/${node.p2pPort}/p2p/${node.peerId}` })
  const r = await goPeer.call('fetch', { peer: node.peerId, fileId: file.id, timeoutMs: 600_000 })
  if (r.sha256 !== createHash('sha256').update(data).digest('hex')) throw new Error('go fetched other bytes')
  await api(node, `/files/${file.id}`, { method: 'DELETE' })
  await rm(r.path, { force: true })
  return bytes / 1e6 / (r.ms / 1000)
}

export async function run (opts = {}) {
  const o = { ...DEFAULTS, ...opts }
  const bytes = Math.round(o.sizeMib * 2 ** 20)
  const loadBefore = load()
  const { go: goBin, rust: rustBin } = await buildPeers()
  const ctx = await startSwarm({ nodes: o.gossipd })
  const filesDir = await mkdtemp(join(tmpdir(), 'bench-interop-files-'))
  const foreign = []
  try {
    const boot = `${ctx.bootstrapAddr}/p2p/${ctx.nodes[0].peerId}`
    for (let i = 0; i < o.go; i++) foreign.push(await startGoPeer(goBin.bin, { name: `go${i}`, bootstrap: [boot], filesDir }))
    for (let i = 0; i < o.rust; i++) foreign.push(await startRustPeer(rustBin.bin, { name: `rust${i}`, bootstrap: [boot] }))
    const cpu = await mixedSwarmCpu(ctx, foreign, o)
    const gos = foreign.filter(p => p.kind === 'go')
    const rounds = { gossipd: [], go: [], gossipdToGo: [] }
    for (let r = 0; r < o.rounds; r++) {
      rounds.gossipd.push(await gossipdToGossipd(ctx, bytes))
      if (gos.length >= 2) rounds.go.push(await goToGo(gos[0], gos[1], bytes))
      if (gos.length >= 1) rounds.gossipdToGo.push(await gossipdToGo(ctx.nodes[0], gos[0], bytes))
    }
    const mbps = { gossipd: median(rounds.gossipd), go: median(rounds.go), gossipdToGo: median(rounds.gossipdToGo) }
    const c = cpu.cpuMsPerNodePerMessage
    const idle = cpu.idleCpuMsPerNodePerSecond
    const rows = [
      row('idle CPU ms per node per second: gossipd', idle.gossipd),
      row('idle CPU ms per node per second: go-libp2p', idle.go),
      row('idle CPU ms per node per second: rust-libp2p', idle.rust),
      row('gossipd / go idle CPU', ratio(idle.gossipd, idle.go)),
      row('CPU ms per node per message: gossipd', c.gossipd),
      row('CPU ms per node per message: go-libp2p', c.go),
      row('CPU ms per node per message: rust-libp2p', c.rust),
      row('gossipd / go CPU per message', ratio(c.gossipd, c.go)),
      row('gossipd / rust CPU per message', ratio(c.gossipd, c.rust)),
      row('transfer gossipd -> gossipd (MB/s)', mbps.gossipd?.toFixed(1)),
      row('transfer go -> go (MB/s)', mbps.go?.toFixed(1)),
      row('transfer gossipd -> go (MB/s)', mbps.gossipdToGo?.toFixed(1)),
      row('gossipd<->gossipd / go<->go transfer', ratio(mbps.gossipd, mbps.go))
    ]
    return { params: { ...o, bytes, nodeFlags: ctx.nodeFlags }, load: { before: loadBefore, after: load() }, cpu, mbPerSecond: mbps, rounds, rows }
  } finally {
    await Promise.all(foreign.map(async p => p.stop()))
    await ctx.stop()
    await rm(filesDir, { recursive: true, force: true })
  }
}

if (isMain(import.meta.url)) {
  const result = await run(parseArgs(process.argv.slice(2), DEFAULTS))
  printRows('interop: gossipd, go-libp2p and rust-libp2p side by side', result.rows)
  process.stdout.write(`written ${await writeResult('interop', result)}\n`)
}
