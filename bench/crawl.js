/**
 * Swarm crawl: `GET /swarm` on one node of a settled swarm, which asks every node over /gossipd/peers/1.0.0 and
 * answers the graph (the dashboard's picture). Target: a 40-node swarm crawled in under 2 s. Each crawl is
 * timed by the node itself (`durationMs`) and end to end by the client. The crawls start once the swarm has
 * joined and gone quiet (`LocalSwarm.settle`), from the last node started (not the bootstrap, which
 * is connected to everyone): the first crawl dials the nodes it is not connected to, later ones show the steady
 * state of a dashboard refreshing.
 *
 *   npm run build && node bench/crawl.js [--nodes=40] [--crawls=5]
 */
import { isMain, parseArgs } from './lib/args.js'
import { load, printRows, row, writeResult } from './lib/report.js'
import { summarize } from './lib/stats.js'
import { api, budgetCeiling, sleep, startSwarm } from './lib/swarm.js'

export const DEFAULTS = { nodes: 40, crawls: 5, targetMs: 2000 }

export async function run (opts = {}, shared) {
  const o = { ...DEFAULTS, ...opts }
  const loadBefore = load()
  const ctx = shared ?? await startSwarm({ nodes: o.nodes })
  try {
    // the last node to start, not the bootstrap: the bootstrap is connected to everyone, this one is not
    const origin = ctx.nodes[ctx.nodes.length - 1]
    // a joined, quiet swarm, within its connection budget: the crawl is what a dashboard does to a running swarm,
    // not a race with its join or with the budget's trimming
    const settled = await ctx.swarm.settle({ maxPeers: budgetCeiling() })
    // peers the first crawl has to dial, because the origin holds no connection to them
    const unconnected = ctx.nodes.length - 1 - (await api(origin, '/peers')).peers.length
    const crawls = []
    for (let i = 0; i < o.crawls; i++) {
      const t0 = performance.now()
      const g = await api(origin, '/swarm', { method: 'POST' })
      crawls.push({ wallMs: performance.now() - t0, durationMs: g.durationMs, nodes: g.nodes.length, reached: g.nodes.filter(n => n.reached).length, edges: g.edges.length, maxDepth: Math.max(...g.nodes.map(n => n.depth)), complete: g.complete })
      await sleep(1000)
    }
    const first = crawls[0]
    const steady = summarize(crawls.slice(1).map(c => c.wallMs))
    const allReached = crawls.every(c => c.reached === ctx.nodes.length)
    const rows = [
      row('swarm joined / quiet (s after start)', `${(settled.joinedMs / 1000).toFixed(1)} / ${(settled.quietMs / 1000).toFixed(1)} (${settled.cores} cores)`),
      row('peers the first crawl dials', String(unconnected)),
      row('nodes reached in every crawl', `${Math.min(...crawls.map(c => c.reached))} of ${ctx.nodes.length}`, String(ctx.nodes.length), allReached),
      row('first crawl (ms, end to end)', first.wallMs.toFixed(0), `< ${o.targetMs}`, first.wallMs < o.targetMs),
      row('later crawls p50 / max (ms, end to end)', `${steady.p50?.toFixed(0)} / ${steady.max?.toFixed(0)}`, `< ${o.targetMs}`, steady.max != null && steady.max < o.targetMs),
      row('links / deepest hop', `${first.edges} / ${first.maxDepth}`)
    ]
    return { params: { ...o, nodes: ctx.nodes.length }, settled, unconnected, load: { before: loadBefore, after: load() }, crawls, rows }
  } finally {
    if (shared == null) await ctx.stop()
  }
}

if (isMain(import.meta.url)) {
  const args = parseArgs(process.argv.slice(2), DEFAULTS)
  const result = await run({ nodes: Number(args.nodes), crawls: Number(args.crawls) })
  printRows('crawl', result.rows)
  await writeResult('crawl', result)
}
