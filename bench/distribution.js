/**
 * Distribution time: one file of F bytes to N peers, every node's upload capped at the same rate u
 * (`--upload-limit`), for N = 1, 5, 10, 20; centralized (the seeder alone serves: each peer fetches a file only
 * the seeder has, so the seeder uploads N copies) against peer-to-peer (all N fetch the same file at once and
 * serve each other the chunks they have). Compared with the bound for P2P distribution,
 * max{F/u_s, F/d_min, N F/(u_s + sum u_i)}, and N F/u_s for the seeder alone. Download capacity is not capped
 * (d_min is loopback's, far above u), so F/d_min is left out. Draws both curves.
 *
 *   npm run build && node bench/distribution.js [--size-mib=8] [--upload-mib=1] [--peers=1,5,10,20]
 */
import { randomBytes } from 'node:crypto'
import { isMain, parseArgs } from './lib/args.js'
import { load, printRows, row, writeFileIn, writeResult } from './lib/report.js'
import { ratio } from './lib/stats.js'
import { lineChart } from './lib/svg.js'
import { api, budgetCeiling, sleep, startSwarm } from './lib/swarm.js'

export const DEFAULTS = { sizeMib: 8, uploadMib: 1, peers: [1, 5, 10, 20], timeoutS: 900 }

async function * randomSource (bytes) {
  for (let off = 0; off < bytes; off += 1 << 20) yield randomBytes(Math.min(1 << 20, bytes - off))
}

/** Share a fresh random file; retried, because the API cuts off an upload slower than its request timeout (30 s). */
async function share (node, bytes) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await api(node, `/files?name=dist-${Date.now()}-${Math.random().toString(36).slice(2)}.bin`, { method: 'POST', body: randomSource(bytes) })
    } catch (err) {
      if (attempt >= 3) throw err
    }
  }
}

/** Start one download per (peer, file) at once; seconds from the first job's creation to the last one's end. */
async function distribute (seeder, pairs, timeoutS) {
  const jobs = await Promise.all(pairs.map(async ({ peer, file }) => ({ peer, file, job: await api(peer, `/files/${file.id}/download`, { method: 'POST', body: { from: [seeder.peerId] } }) })))
  const deadline = Date.now() + timeoutS * 1000
  const done = new Map()
  while (done.size < jobs.length) {
    if (Date.now() > deadline) throw new Error(`distribution timed out with ${done.size}/${jobs.length} done`)
    await sleep(200)
    for (const j of jobs) {
      if (done.has(j)) continue
      const s = await api(j.peer, `/downloads/${j.job.id}`)
      if (s.state === 'failed' || s.state === 'cancelled') throw new Error(`download on ${j.peer.name} ${s.state}: ${s.error}`)
      if (s.state === 'completed') done.set(j, s)
    }
  }
  const statuses = [...done.values()]
  const start = Math.min(...statuses.map(s => Date.parse(s.createdAt)))
  const end = Math.max(...statuses.map(s => Date.parse(s.finishedAt)))
  // how much came from peers other than the seeder: the swarm's share of the work
  const fromPeers = statuses.reduce((a, s) => a + s.providers.filter(p => p.peerId !== seeder.peerId).reduce((b, p) => b + p.bytes, 0), 0)
  const total = statuses.reduce((a, s) => a + (s.size ?? 0), 0)
  return { seconds: (end - start) / 1000, perPeerSeconds: statuses.map(s => (Date.parse(s.finishedAt) - Date.parse(s.createdAt)) / 1000), fromPeersShare: total === 0 ? 0 : fromPeers / total }
}

async function cleanup (nodes, ids) {
  await Promise.all(nodes.map(async n => {
    for (const id of ids) await api(n, `/files/${id}`, { method: 'DELETE' }).catch(() => {})
  }))
}

export async function run (opts = {}) {
  const o = { ...DEFAULTS, ...opts }
  const F = Math.round(o.sizeMib * 2 ** 20)
  const u = Math.round(o.uploadMib * 2 ** 20)
  const maxN = Math.max(...o.peers)
  const loadBefore = load()
  const extraArgs = ['--upload-limit', String(u)]
  const ctx = await startSwarm({ nodes: maxN + 1, extraArgs })
  const [seeder, ...peers] = ctx.nodes
  const points = []
  let settled
  try {
    // the first point measured the join storm of the swarm's processes (N = 1 took 12-13 s right after start,
    // 7.2-7.7 s once the swarm had joined): start from a joined, quiet swarm, within its connection budget
    // (LocalSwarm.settle)
    settled = await ctx.swarm.settle({ maxPeers: budgetCeiling(extraArgs) })
    // warm, as bench/dht.js warms its lookups: every node's first download compiles the API's download routes
    // (src/api/lazy-compilers.ts) and the files protocol's code, 0.2-0.3 s of CPU each, which 21 processes on 2
    // cores would otherwise spend inside the first round timed
    const warm = await share(seeder, Math.min(F, 256 * 1024))
    await distribute(seeder, peers.map(peer => ({ peer, file: warm })), o.timeoutS)
    await cleanup(ctx.nodes, [warm.id])
    for (const N of o.peers) {
      const targets = peers.slice(0, N)
      const one = await share(seeder, F)
      const p2p = await distribute(seeder, targets.map(peer => ({ peer, file: one })), o.timeoutS)
      await cleanup(ctx.nodes, [one.id])
      const files = []
      for (let i = 0; i < N; i++) files.push(await share(seeder, F))
      const central = await distribute(seeder, targets.map((peer, i) => ({ peer, file: files[i] })), o.timeoutS)
      await cleanup(ctx.nodes, files.map(f => f.id))
      const bound = Math.max(F / u, (N * F) / (u + N * u))
      const centralBound = (N * F) / u
      points.push({ N, p2pSeconds: p2p.seconds, centralSeconds: central.seconds, p2pBoundSeconds: bound, centralBoundSeconds: centralBound, p2pOfBound: ratio(p2p.seconds, bound), centralOverP2p: ratio(central.seconds, p2p.seconds), p2pFromPeersShare: p2p.fromPeersShare, p2pPerPeerSeconds: p2p.perPeerSeconds })
      process.stderr.write(`distribution N=${N}: p2p ${p2p.seconds.toFixed(1)} s (bound ${bound.toFixed(1)} s), central ${central.seconds.toFixed(1)} s\n`)
    }
  } finally {
    await ctx.stop()
  }
  const last = points[points.length - 1]
  const worst = Math.max(...points.map(p => p.p2pOfBound))
  const rows = [
    ...points.map(p => row(`N=${p.N}: P2P / central / bound (s)`, `${p.p2pSeconds.toFixed(1)} / ${p.centralSeconds.toFixed(1)} / ${p.p2pBoundSeconds.toFixed(1)}`)),
    row('P2P / bound, worst N', worst, '<= 1.5', worst <= 1.5),
    row(`central / P2P at N=${last.N}`, last.centralOverP2p, last.N === 20 ? '>= 5' : null, last.N === 20 ? last.centralOverP2p >= 5 : null)
  ]
  const svg = lineChart({
    title: `Time to get ${o.sizeMib} MiB to N peers, upload capped at ${o.uploadMib} MiB/s`,
    xLabel: 'N (peers)',
    yLabel: 'seconds',
    series: [
      { name: 'central (measured)', points: points.map(p => [p.N, p.centralSeconds]) },
      { name: 'P2P (measured)', points: points.map(p => [p.N, p.p2pSeconds]) },
      { name: 'central bound N F/u_s', points: points.map(p => [p.N, p.centralBoundSeconds]), dashed: true },
      { name: 'P2P bound', points: points.map(p => [p.N, p.p2pBoundSeconds]), dashed: true }
    ]
  })
  return { params: { ...o, fileBytes: F, uploadBytesPerSecond: u, nodeFlags: ctx.nodeFlags }, settled, load: { before: loadBefore, after: load() }, points, rows, svg }
}

export async function save (result) {
  const { svg, ...rest } = result
  await writeFileIn('distribution.svg', svg)
  return writeResult('distribution', rest)
}

if (isMain(import.meta.url)) {
  const result = await run(parseArgs(process.argv.slice(2), DEFAULTS))
  printRows('distribution', result.rows)
  process.stdout.write(`written ${await save(result)}\n`)
}
