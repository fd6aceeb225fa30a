/**
 * `npm run bench`: every benchmark, each against its limit or a baseline measured in the same run, results in
 * bench/results/<name>.json (and the curves as SVG), then one table of what met its target.
 *
 *   npm run bench                                  full size (a 50-node swarm; about 20 minutes on 2 cores)
 *   npm run build && node bench/run.js --only=transfer,dht
 *   npm run build && node bench/run.js --smoke     every benchmark at a tiny size (the test suite runs this)
 *
 * The machine's load at the start and end of each benchmark is in its result: timing figures taken while the
 * 1-minute load is above the number of cores are not comparable with quiet-machine figures.
 */
import { cpus } from 'node:os'
import { isMain, parseArgs } from './lib/args.js'
import { load, printRows, table, writeResult } from './lib/report.js'
import { startSwarm } from './lib/swarm.js'
import * as transfer from './transfer.js'
import * as httpPublish from './http-publish.js'
import * as distribution from './distribution.js'
import * as gossip from './gossip.js'
import * as memory from './memory.js'
import * as dht from './dht.js'
import * as join from './join.js'

export const FULL = {
  transfer: { sizeMib: 128, rounds: 3 },
  httpPublish: { subscribers: 3, seconds: 10, connections: 16 },
  distribution: { sizeMib: 8, uploadMib: 1, peers: [1, 5, 10, 20] },
  swarm: { nodes: 50 },
  gossip: { rate: 10, seconds: 60 },
  dht: { lookups: 200, warmup: 20 },
  join: { joins: 5 }
}

export const SMOKE = {
  transfer: { sizeMib: 2, rounds: 1 },
  httpPublish: { subscribers: 1, seconds: 1, connections: 4 },
  distribution: { sizeMib: 0.5, uploadMib: 1, peers: [1, 2] },
  swarm: { nodes: 4 },
  gossip: { rate: 10, seconds: 1, drainMs: 1000, settleTimeoutMs: 20_000 },
  dht: { lookups: 5, warmup: 1, minTable: 3, settleTimeoutMs: 20_000 },
  join: { joins: 1, tablePeers: 3, targetPeers: 3 }
}

const ALL = ['transfer', 'http-publish', 'distribution', 'gossip', 'memory', 'dht', 'join']

export async function runAll ({ smoke = false, only = ALL } = {}) {
  const p = smoke ? SMOKE : FULL
  const want = name => only.includes(name)
  const summary = { date: new Date().toISOString(), smoke, cores: cpus().length, loadAtStart: load(), benchmarks: {} }
  const record = async (name, result, saver) => {
    printRows(name, result.rows)
    const file = saver != null ? await saver(result) : await writeResult(name, result)
    summary.benchmarks[name] = { file, rows: result.rows, load: result.load }
  }
  if (want('transfer')) await record('transfer', await transfer.run(p.transfer))
  if (want('http-publish')) await record('http-publish', await httpPublish.run(p.httpPublish))
  if (want('distribution')) await record('distribution', await distribution.run(p.distribution), distribution.save)
  if (['gossip', 'memory', 'dht', 'join'].some(want)) {
    // one swarm for the swarm-wide benchmarks: memory is read after the gossip traffic, lookups run once it settled
    const loadBefore = load()
    const ctx = await startSwarm({ nodes: p.swarm.nodes })
    summary.swarm = { nodes: ctx.nodes.length, startedInMs: ctx.startedInMs, loadBefore }
    try {
      if (want('gossip') || want('memory')) await record('gossip', await gossip.run(p.gossip, ctx), gossip.save)
      if (want('memory')) {
        const m = await memory.measure(ctx)
        await record('memory', { params: { nodes: ctx.nodes.length, afterGossipSeconds: p.gossip.seconds, gossipRate: p.gossip.rate, nodeFlags: ctx.nodeFlags }, load: { before: loadBefore, after: load() }, ...m })
      }
      if (want('dht')) await record('dht', await dht.run(p.dht, ctx))
      if (want('join')) await record('join', await join.run(p.join, ctx))
    } finally {
      await ctx.stop()
    }
  }
  summary.loadAtEnd = load()
  const rows = Object.entries(summary.benchmarks).flatMap(([name, b]) => b.rows.filter(r => r.target != null).map(r => [name, r.metric, r.value, r.target, r.met ? 'yes' : 'NO']))
  process.stdout.write('\nsummary (load at start ' + summary.loadAtStart.join(' ') + ', at end ' + summary.loadAtEnd.join(' ') + ')\n')
  process.stdout.write(table(['benchmark', 'metric', 'value', 'target', 'met'], rows) + '\n')
  await writeResult(smoke ? 'summary-smoke' : 'summary', summary)
  return summary
}

if (isMain(import.meta.url)) {
  const args = parseArgs(process.argv.slice(2), { smoke: false, only: ALL.join(',') })
  await runAll({ smoke: args.smoke, only: String(args.only).split(',') })
}
