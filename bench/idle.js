/**
 * Idle cost: CPU of a joined, quiet swarm in which nothing is published, in cores (CPU seconds per second, all
 * node processes together) and in ms of CPU per node per second. What every node pays to stay in the swarm
 * (liveness pings, gossipsub heartbeats, DHT and history upkeep), and the floor under every other swarm
 * benchmark on a small machine. Extra `gossipd start` arguments after `--` compare settings in the same way.
 *
 *   npm run build && node bench/idle.js [--nodes=40] [--seconds=30] [-- --ping-interval 60000]
 *   node bench/idle.js --nodes=40 --seconds=720    # long enough for every node's DHT upkeep
 */
import { isMain, parseArgsAndNodeArgs } from './lib/args.js'
import { load, printRows, row, writeResult } from './lib/report.js'
import { summarize } from './lib/stats.js'
import { api, budgetCeiling, coresOver, readiness, sleep, startSwarm } from './lib/swarm.js'

export const DEFAULTS = { nodes: 40, seconds: 30, topic: 'idle', settleTimeoutMs: 180_000, afterSettleMs: 35_000 }

export async function run (opts = {}, extraArgs = []) {
  const o = { ...DEFAULTS, ...opts }
  const loadBefore = load()
  const ctx = await startSwarm({ nodes: o.nodes, extraArgs })
  try {
    await Promise.all(ctx.nodes.map(async n => api(n, `/topics/${o.topic}`, { method: 'PUT' })))
    // joined, and within the connection budget (bench/lib/swarm.js, budgetCeiling)
    const settled = await ctx.swarm.settle({ timeoutMs: o.settleTimeoutMs, maxPeers: budgetCeiling(extraArgs) })
    // past the joining period of history catch-up (HISTORY_SETTLE_MS), which asks every 2 s
    await sleep(o.afterSettleMs)
    const windows = []
    // connected peers per node (p50) at the end of each window: idle CPU follows the number of connections, and
    // the connection budget trims a swarm that joined at once from dozens of peers a node only once its
    // connections are 30 s old (CONNECTION_BUDGET_GRACE_MS), so a swarm still above its budget shows here
    const peersByWindow = []
    for (let left = o.seconds; left > 0; left -= 10) {
      windows.push(await coresOver(ctx.swarm, async () => sleep(Math.min(10, left) * 1000)))
      peersByWindow.push(summarize(await Promise.all(ctx.nodes.map(async n => (await readiness(n)).peers))).p50)
    }
    const peers = summarize(await Promise.all(ctx.nodes.map(async n => (await api(n, '/peers')).peers.length)))
    const cores = summarize(windows)
    const rows = [
      row('nodes, extra arguments', `${ctx.nodes.length}, ${extraArgs.join(' ') || '-'}`),
      row('connected peers per node p50 (min)', `${peers.p50} (${peers.min})`),
      row('idle swarm, cores (10 s windows, p50)', `${cores.p50.toFixed(3)} (${windows.map(w => w.toFixed(3)).join(', ')})`),
      row('connected peers per node p50, at the end of each window', peersByWindow.join(', ')),
      row('CPU per node, ms per second', (1000 * cores.p50 / ctx.nodes.length).toFixed(1)),
      // the p50 leaves out the DHT's upkeep, a minute of lookups every 8-12 minutes per node: a run of 12 minutes
      // or more takes it in here (docs/PERFORMANCE.md, "The DHT's upkeep")
      row('CPU per node, ms per second, mean of the windows', (1000 * cores.mean / ctx.nodes.length).toFixed(1))
    ]
    return { params: { ...o, nodes: ctx.nodes.length, extraArgs, nodeFlags: ctx.nodeFlags }, load: { before: loadBefore, after: load() }, settled, cores: windows, peers, peersByWindow, rows }
  } finally {
    await ctx.stop()
  }
}

if (isMain(import.meta.url)) {
  const { opts, extraArgs } = parseArgsAndNodeArgs(process.argv.slice(2), DEFAULTS)
  const result = await run(opts, extraArgs)
  printRows('idle swarm', result.rows)
  process.stdout.write(`written ${await writeResult('idle', result)}\n`)
}
