/**
 * Memory per node: RSS, PSS and USS of every node process of a swarm after traffic (the gossip benchmark's
 * 60 s when run from bench/run.js, else `--seconds` of it here). RSS counts the node binary's file pages in
 * full in every process although the kernel holds them once; PSS shares them out, USS leaves them out. The
 * baseline in the same run: an idle bare `node` process.
 *
 *   npm run build && node bench/memory.js [--nodes=50] [--seconds=60]
 */
import { isMain, parseArgs } from './lib/args.js'
import { spawnJson, stopChild } from './lib/children.js'
import { load, printRows, row, writeResult } from './lib/report.js'
import { summarize } from './lib/stats.js'
import { processMemory, sleep, startSwarm } from './lib/swarm.js'
import { run as gossip } from './gossip.js'

export const DEFAULTS = { nodes: 50, seconds: 60, rate: 10 }

const TARGET_MIB = 80

/** Memory of an idle bare node process (same flags as the nodes), the runtime's own floor. */
export async function bareNode (nodeFlags) {
  const { child } = await spawnJson('-e', ['console.log("{}"); setInterval(() => {}, 1000)'], { nodeFlags })
  try {
    await sleep(500)
    return await processMemory(child.pid)
  } finally {
    await stopChild(child)
  }
}

const MiB = 2 ** 20

/** What V8 holds inside a node, from its Prometheus metrics: heap committed and used, young generation, buffers. */
async function heapOf (node) {
  const text = await fetch(`${node.apiUrl}/metrics`).then(async r => r.text())
  const value = re => Math.round((Number(re.exec(text)?.[1] ?? NaN) / MiB) * 10) / 10
  return {
    heapTotal: value(/^gossipd_process_nodejs_heap_size_total_bytes (\S+)/m),
    heapUsed: value(/^gossipd_process_nodejs_heap_size_used_bytes (\S+)/m),
    newSpace: value(/^gossipd_process_nodejs_heap_space_size_total_bytes\{space="new"\} (\S+)/m),
    external: value(/^gossipd_process_nodejs_external_memory_bytes (\S+)/m)
  }
}

/** Memory figures of every node of a running swarm. */
export async function measure (ctx) {
  const per = await Promise.all(ctx.nodes.map(async n => ({ ...await processMemory(n.pid), ...await heapOf(n).catch(() => ({})) })))
  const pick = k => summarize(per.map(m => m[k]))
  const bare = await bareNode(ctx.nodeFlags)
  const rss = pick('rss')
  const pss = pick('pss')
  const uss = pick('uss')
  const rows = [
    row('RSS per node p50 / max (MiB)', `${rss.p50} / ${rss.max}`, `<= ${TARGET_MIB}`, rss.max <= TARGET_MIB),
    row('PSS per node p50 / max (MiB)', `${pss.p50} / ${pss.max}`, `<= ${TARGET_MIB}`, pss.max <= TARGET_MIB),
    row('USS per node p50 / max (MiB)', `${uss.p50} / ${uss.max}`, `<= ${TARGET_MIB}`, uss.max <= TARGET_MIB),
    row('shared clean pages per node p50 (MiB)', pick('sharedClean').p50),
    row('V8 heap committed / used / young gen / external p50 (MiB)', `${pick('heapTotal').p50} / ${pick('heapUsed').p50} / ${pick('newSpace').p50} / ${pick('external').p50}`),
    row('baseline: idle bare node RSS / PSS / USS (MiB)', `${bare.rss} / ${bare.pss} / ${bare.uss}`),
    row('node flags', ctx.nodeFlags.join(' ') || '(none)')
  ]
  return { nodes: ctx.nodes.length, rssMiB: rss, pssMiB: pss, ussMiB: uss, sharedCleanMiB: pick('sharedClean'), heapTotalMiB: pick('heapTotal'), heapUsedMiB: pick('heapUsed'), newSpaceMiB: pick('newSpace'), externalMiB: pick('external'), bareNodeMiB: bare, perNode: per, rows }
}

export async function run (opts = {}, shared) {
  const o = { ...DEFAULTS, ...opts }
  const loadBefore = load()
  const ctx = shared ?? await startSwarm({ nodes: o.nodes })
  try {
    let traffic = null
    if (o.seconds > 0) {
      const g = await gossip({ rate: o.rate, seconds: o.seconds, drainMs: 1000 }, ctx)
      traffic = { seconds: o.seconds, rate: o.rate, deliveryRatio: g.deliveryRatio }
    }
    const m = await measure(ctx)
    return { params: { ...o, nodes: ctx.nodes.length, nodeFlags: ctx.nodeFlags }, load: { before: loadBefore, after: load() }, traffic, ...m }
  } finally {
    if (shared == null) await ctx.stop()
  }
}

if (isMain(import.meta.url)) {
  const result = await run(parseArgs(process.argv.slice(2), DEFAULTS))
  printRows('memory per node', result.rows)
  process.stdout.write(`written ${await writeResult('memory', result)}\n`)
}
