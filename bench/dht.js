/**
 * DHT lookup: warm `findPeer` (the network is asked, not the local peer store) from random nodes of a settled
 * swarm for random other nodes, one at a time, through `POST /dht/peers/{id}`. The baseline in the same run,
 * interleaved: `GET /id` on the same node, the HTTP round trip every lookup pays on top of the DHT.
 *
 *   npm run build && node bench/dht.js [--nodes=50] [--lookups=200]
 */
import { isMain, parseArgs } from './lib/args.js'
import { load, printRows, row, writeResult } from './lib/report.js'
import { ratio, summarize } from './lib/stats.js'
import { api, budgetCeiling, startSwarm, waitFor } from './lib/swarm.js'
import { prng } from './gossip.js'

export const DEFAULTS = { nodes: 50, lookups: 200, warmup: 20, minTable: 10, timeoutMs: 10_000, maxSeconds: 300, settleTimeoutMs: 180_000 }

export async function run (opts = {}, shared) {
  const o = { ...DEFAULTS, ...opts }
  const loadBefore = load()
  const ctx = shared ?? await startSwarm({ nodes: o.nodes })
  const nodes = ctx.nodes
  const random = prng(7)
  try {
    // a joined, quiet swarm within its connection budget: steady-state figures, not the join storm's or the
    // budget's trimming (LocalSwarm.settle)
    const settled = await ctx.swarm.settle({ timeoutMs: o.settleTimeoutMs, maxPeers: budgetCeiling() })
    // warm: every routing table holds at least minTable peers (or all others, in a small swarm)
    const want = Math.min(o.minTable, nodes.length - 1)
    await waitFor(async () => (await Promise.all(nodes.map(async n => api(n, '/dht/routing-table')))).every(t => t.size >= want), { timeoutMs: 120_000, intervalMs: 1000 })
    const lookups = []
    const baseline = []
    let failures = 0
    // a loaded machine can make every lookup time out: the run ends after maxSeconds with what it has
    const deadline = performance.now() + o.maxSeconds * 1000
    for (let i = 0; i < o.warmup + o.lookups && performance.now() < deadline; i++) {
      const s = Math.floor(random() * nodes.length)
      let t = Math.floor(random() * (nodes.length - 1))
      if (t >= s) t++
      const t0 = performance.now()
      let ok = true
      try {
        await api(nodes[s], `/dht/peers/${nodes[t].peerId}?timeoutMs=${o.timeoutMs}`, { method: 'POST' })
      } catch {
        ok = false
      }
      const ms = performance.now() - t0
      const b0 = performance.now()
      await api(nodes[s], '/id')
      const bms = performance.now() - b0
      if (i < o.warmup) continue
      if (ok) lookups.push(ms)
      else failures++
      baseline.push(bms)
    }
    const l = summarize(lookups)
    const b = summarize(baseline)
    const rows = [
      row('lookups ok / failed', `${lookups.length} / ${failures}`),
      row('findPeer p50 (ms)', l.p50?.toFixed(1), '<= 50', l.p50 != null && l.p50 <= 50),
      row('findPeer p99 (ms)', l.p99?.toFixed(1)),
      row('baseline: GET /id p50 / p99 (ms)', `${b.p50?.toFixed(1)} / ${b.p99?.toFixed(1)}`),
      row('findPeer p50 / GET /id p50', ratio(l.p50, b.p50))
    ]
    return { params: { ...o, nodes: nodes.length, nodeFlags: ctx.nodeFlags }, load: { before: loadBefore, after: load() }, settled, failures, findPeerMs: l, baselineIdMs: b, rows }
  } finally {
    if (shared == null) await ctx.stop()
  }
}

if (isMain(import.meta.url)) {
  const result = await run(parseArgs(process.argv.slice(2), DEFAULTS))
  printRows('DHT lookup', result.rows)
  process.stdout.write(`written ${await writeResult('dht', result)}\n`)
}
